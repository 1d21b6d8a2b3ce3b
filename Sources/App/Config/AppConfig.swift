import Foundation
import ThiDuaCore

/// Settings read once from the environment. Anything unset gets a sensible default; anything wrong stops start-up
/// with every problem listed at once.
public struct AppConfig: Sendable {
    public enum Database: Sendable, Equatable {
        /// A SQLite file (the embedded default). `nil` path: an in-memory database, for tests.
        case sqlite(path: String?)
        /// PostgreSQL at a URL; `schema` keeps a test run inside its own schema.
        case postgres(url: String, schema: String?)
    }

    public var database: Database
    public var dataDirectory: String
    public var resourcesDirectory: String
    public var defaultLanguage: Language
    /// A fixed demo password (for scripted demos and browser tests); random when unset.
    public var demoPassword: String?
    public var tokenLifetime: TimeInterval
    public var secureCookies: Bool
    /// How many results may be computed at once; one core is left for everything else.
    public var resultsConcurrency: Int

    /// The key (32 bytes) that seals tipsters' contact details and peppers receipt codes; nil: the key file's,
    /// made on first start. Several servers on one database need the same key.
    public var tipKey: Data?
    /// Where the key is kept when `tipKey` is nil (`THIDUA_TIP_KEY_FILE`): never inside the data folder, so that
    /// a copy of the folder (a backup, a stolen disk) does not carry the key to the contacts with it.
    public var tipKeyFile: String?

    /// The key file's path: the one set, or beside the data folder (`./data` → `./data.tip.key`).
    public var tipKeyPath: String {
        if let tipKeyFile { return tipKeyFile }
        var folder = (dataDirectory as NSString).standardizingPath
        while folder.count > 1 && folder.hasSuffix("/") { folder.removeLast() }
        return folder + ".tip.key"
    }
    public var tipLimits: TipLimits
    /// The proxies whose `X-Forwarded-For` names the client (`THIDUA_TRUSTED_PROXIES`); none: the peer is the client.
    public var trustedProxies = TrustedProxies()
    /// The bearer token `/metrics` asks for (`THIDUA_METRICS_TOKEN`); nil: it answers only a direct peer on this
    /// machine (a monitor beside the server), never through a proxy.
    public var metricsToken: String?
    /// Minutes between the releases that write waiting tips to the database (`THIDUA_TIP_RELEASE_MINUTES`,
    /// `TipRelease`); 0: each tip at once, its minute then readable from the database's order.
    public var tipReleaseMinutes = TipRelease.defaultMinutes
    /// How long a closed tip keeps its contact and its content (`THIDUA_TIP_RETENTION`, days: `30,730`).
    public var tipRetention = TipRetention.standard
    /// Where e-mail about new tips goes out; nil: no e-mail.
    public var smtp: SMTPSettings?
    /// The address officers reach the server at, for links in e-mail.
    public var publicURL: String?

    public static var defaultResultsConcurrency: Int { max(1, ProcessInfo.processInfo.activeProcessorCount - 1) }

    public init(database: Database, dataDirectory: String, resourcesDirectory: String,
                defaultLanguage: Language = .vi, demoPassword: String? = nil,
                tokenLifetime: TimeInterval = 12 * 3600, secureCookies: Bool = false,
                resultsConcurrency: Int = AppConfig.defaultResultsConcurrency, tipKey: Data? = nil,
                tipLimits: TipLimits = TipLimits(), smtp: SMTPSettings? = nil, publicURL: String? = nil) {
        self.tipKey = tipKey
        self.tipLimits = tipLimits
        self.smtp = smtp
        self.publicURL = publicURL
        self.resultsConcurrency = resultsConcurrency
        self.database = database
        self.dataDirectory = dataDirectory
        self.resourcesDirectory = resourcesDirectory
        self.defaultLanguage = defaultLanguage
        self.demoPassword = demoPassword
        self.tokenLifetime = tokenLifetime
        self.secureCookies = secureCookies
    }

    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment)
        throws(StartupError) -> AppConfig {
        var problems: [String] = []
        let dataDirectory = env["THIDUA_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "./data"
        let database: Database
        if let url = env["DATABASE_URL"], !url.isEmpty {
            if !(url.hasPrefix("postgres://") || url.hasPrefix("postgresql://")) || URL(string: url)?.host == nil {
                problems.append("DATABASE_URL must be a PostgreSQL URL such as postgres://user:password@localhost:5432/thidua")
            }
            database = .postgres(url: url, schema: nil)
        } else {
            database = .sqlite(path: (dataDirectory as NSString).appendingPathComponent("thidua.sqlite"))
        }
        var resources = env["THIDUA_RESOURCES"].flatMap { $0.isEmpty ? nil : $0 } ?? ""
        if resources.isEmpty {
            if let found = locateResources() { resources = found } else {
                problems.append("THIDUA_RESOURCES is unset and no Resources folder was found beside the working directory or the executable; set it to the folder that holds Plans/, Views/ and Localization/")
            }
        } else if !FileManager.default.fileExists(atPath: (resources as NSString).appendingPathComponent("Localization")) {
            problems.append("THIDUA_RESOURCES=\(resources) has no Localization folder")
        }
        var language = Language.vi
        if let raw = env["THIDUA_LANG"], !raw.isEmpty {
            if let l = Language(rawValue: raw) { language = l } else { problems.append("THIDUA_LANG must be vi or en, not \(raw)") }
        }
        let demoPassword = env["THIDUA_DEMO_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        if let p = demoPassword, p.count < PasswordPolicy.minimumLength {
            problems.append("THIDUA_DEMO_PASSWORD must have at least \(PasswordPolicy.minimumLength) characters")
        }
        var lifetime: TimeInterval = 12 * 3600
        if let raw = env["THIDUA_TOKEN_HOURS"], !raw.isEmpty {
            if let hours = Double(raw), hours > 0, hours <= 24 * 90 { lifetime = hours * 3600 } else {
                problems.append("THIDUA_TOKEN_HOURS must be a number of hours between 0 and 2160, not \(raw)")
            }
        }
        var secure = false
        if let raw = env["THIDUA_SECURE_COOKIES"], !raw.isEmpty {
            switch raw.lowercased() {
            case "1", "true", "yes": secure = true
            case "0", "false", "no": secure = false
            default: problems.append("THIDUA_SECURE_COOKIES must be true or false, not \(raw)")
            }
        }
        var concurrency = defaultResultsConcurrency
        if let raw = env["THIDUA_RESULTS_CONCURRENCY"], !raw.isEmpty {
            if let n = Int(raw), (1...256).contains(n) { concurrency = n } else {
                problems.append("THIDUA_RESULTS_CONCURRENCY must be a whole number from 1 to 256, not \(raw)")
            }
        }
        var tipKey: Data?
        if let raw = env["THIDUA_TIP_KEY"], !raw.isEmpty {
            if let key = Data(base64Encoded: raw), key.count == 32 { tipKey = key } else {
                problems.append("THIDUA_TIP_KEY must be 32 bytes in base64 (openssl rand -base64 32)")
            }
        }
        let tipKeyFile = env["THIDUA_TIP_KEY_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        var proxies = TrustedProxies()
        if let raw = env["THIDUA_TRUSTED_PROXIES"], !raw.isEmpty {
            if let p = TrustedProxies(raw) { proxies = p } else {
                problems.append("THIDUA_TRUSTED_PROXIES must be addresses or IPv4 ranges separated by commas (127.0.0.1, 10.0.0.0/8), not \(raw)")
            }
        }
        let metricsToken = env["THIDUA_METRICS_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        if let t = metricsToken, t.count < 20 { problems.append("THIDUA_METRICS_TOKEN must be at least 20 characters (openssl rand -hex 20)") }
        var limits = TipLimits()
        if let raw = env["THIDUA_TIP_LIMITS"], !raw.isEmpty {
            if let l = TipLimits(raw) { limits = l } else {
                problems.append("THIDUA_TIP_LIMITS must be off, or three whole numbers above 0: tips per client per hour, status checks per client per 10 minutes, tips per minute for the whole system (default 10,30,600); not \(raw)")
            }
        }
        var release = TipRelease.defaultMinutes
        if let raw = env["THIDUA_TIP_RELEASE_MINUTES"], !raw.isEmpty {
            if let n = Int(raw), (0...TipRelease.maximumMinutes).contains(n) { release = n } else {
                problems.append("THIDUA_TIP_RELEASE_MINUTES must be a whole number of minutes from 0 (each tip written at once) to 1440 (once a day), not \(raw)")
            }
        }
        var retention = TipRetention.standard
        if let raw = env["THIDUA_TIP_RETENTION"], !raw.isEmpty {
            if let r = TipRetention(raw) { retention = r } else {
                problems.append("THIDUA_TIP_RETENTION must be two whole numbers of days, the contact's then the content's, from 1 to 36500 with the first no larger (default 30,730); not \(raw)")
            }
        }
        var smtp: SMTPSettings?
        if let raw = env["THIDUA_SMTP_URL"], !raw.isEmpty {
            if let url = URL(string: raw), url.scheme == "smtp", let host = url.host, !host.isEmpty {
                smtp = SMTPSettings(host: host, port: url.port ?? 25,
                                    from: env["THIDUA_SMTP_FROM"].flatMap { $0.isEmpty ? nil : $0 } ?? "thidua@localhost")
            } else {
                problems.append("THIDUA_SMTP_URL must be smtp://host:port (a relay on the local network, no sign-in), not \(raw)")
            }
        }
        let publicURL = env["THIDUA_PUBLIC_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if !problems.isEmpty { throw StartupError(lines: problems) }
        var config = AppConfig(database: database, dataDirectory: dataDirectory, resourcesDirectory: resources,
                               defaultLanguage: language, demoPassword: demoPassword, tokenLifetime: lifetime,
                               secureCookies: secure, resultsConcurrency: concurrency, tipKey: tipKey, tipLimits: limits,
                               smtp: smtp, publicURL: publicURL)
        config.tipKeyFile = tipKeyFile
        config.trustedProxies = proxies
        config.metricsToken = metricsToken
        config.tipReleaseMinutes = release
        config.tipRetention = retention
        return config
    }

    /// Looks for Resources/ in the working directory, then above the executable (a `swift run` build lives in .build/).
    static func locateResources() -> String? {
        var candidates = [FileManager.default.currentDirectoryPath]
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(dir.path)
            dir.deleteLastPathComponent()
        }
        for base in candidates {
            let path = (base as NSString).appendingPathComponent("Resources")
            if FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("Localization/vi.json")) {
                return path
            }
        }
        return nil
    }
}

/// How many tips and status checks are taken, per client (kept in memory under a salted hash of its address that
/// changes every day) and for the whole system. `off` (benchmarks) takes everything.
public struct TipLimits: Sendable, Equatable {
    public var tipsPerClientPerHour = 10
    public var checksPerClientPer10Minutes = 30
    public var tipsPerMinute = 600
    public var enabled = true

    public init() {}

    public init?(_ text: String) {
        if text.lowercased() == "off" { enabled = false; return }
        let numbers = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard numbers.count == 3, let a = numbers[0], let b = numbers[1], let c = numbers[2], a > 0, b > 0, c > 0 else { return nil }
        (tipsPerClientPerHour, checksPerClientPer10Minutes, tipsPerMinute) = (a, b, c)
    }
}

public struct SMTPSettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var from: String
}

/// Why ThiĐua could not start: one short line each, for a person to act on.
public struct StartupError: Error, Sendable, CustomStringConvertible {
    public let lines: [String]
    public init(lines: [String]) { self.lines = lines }
    public init(_ line: String) { self.lines = [line] }
    public var description: String { lines.joined(separator: "\n") }
}

public enum PasswordPolicy {
    public static let minimumLength = PasswordRules.minimumLength
}
