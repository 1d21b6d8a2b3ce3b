import Foundation
import Vapor

public enum Language: String, Sendable, Codable, CaseIterable {
    case vi, en
}

/// Every user-facing string, read from Resources/Localization/<language>.json. Placeholders are `{name}`.
public struct Localizer: Sendable {
    private let tables: [Language: [String: String]]

    public init(directory: String) throws {
        var tables: [Language: [String: String]] = [:]
        for language in Language.allCases {
            let path = (directory as NSString).appendingPathComponent("\(language.rawValue).json")
            guard let data = FileManager.default.contents(atPath: path) else {
                throw StartupError("Missing localization file \(path)")
            }
            do {
                tables[language] = try JSONDecoder().decode([String: String].self, from: data)
            } catch {
                throw StartupError("Localization file \(path) is not a JSON object of strings: \(error)")
            }
        }
        self.tables = tables
    }

    public func keys(_ language: Language) -> Set<String> { Set(tables[language]?.keys.map { $0 } ?? []) }

    /// The string for a key; falls back to Vietnamese, then to the key itself so a gap is visible, never a crash.
    public func text(_ key: String, _ language: Language, _ arguments: [String: String] = [:]) -> String {
        var text = tables[language]?[key] ?? tables[.vi]?[key] ?? key
        for (name, value) in arguments {
            text = text.replacingOccurrences(of: "{\(name)}", with: value)
        }
        return text
    }
}

extension Application {
    private struct LocalizerKey: StorageKey { typealias Value = Localizer }

    public var localizer: Localizer {
        get {
            guard let l = storage[LocalizerKey.self] else { fatalError("configure(_:) sets the localizer") }
            return l
        }
        set { storage[LocalizerKey.self] = newValue }
    }

    private struct ConfigKey: StorageKey { typealias Value = AppConfig }

    public var config: AppConfig {
        get {
            guard let c = storage[ConfigKey.self] else { fatalError("configure(_:) sets the config") }
            return c
        }
        set { storage[ConfigKey.self] = newValue }
    }
}

extension Request {
    private struct LanguageKey: StorageKey { typealias Value = Language }

    public static let languageCookie = "thidua_lang"

    /// The language this request is answered in: the user's choice (a cookie), else for the API the first of ours
    /// the client accepts (`Accept-Language`, by its weights), else the server's default. Pages do not follow
    /// `Accept-Language`: many officers' browsers say English, and ThiĐua is Vietnamese first, with the switch.
    public var language: Language {
        if let cached = storage[LanguageKey.self] { return cached }
        let chosen = cookies[Request.languageCookie].flatMap { Language(rawValue: $0.string) }
            ?? (url.path.hasPrefix("/api/") ? Self.accepted(headers.first(name: .acceptLanguage)) : nil)
            ?? application.config.defaultLanguage
        storage[LanguageKey.self] = chosen
        return chosen
    }

    /// The best of our languages in an `Accept-Language` value (`en-GB;q=0.8, vi`), or nil.
    static func accepted(_ header: String?) -> Language? {
        guard let header else { return nil }
        var best: (Language, Double)?
        for (order, item) in header.split(separator: ",").enumerated() {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = parts.first?.lowercased(),
                  let language = Language(rawValue: String(tag.split(separator: "-").first ?? "")) else { continue }
            let q = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            // Equal weights keep the client's order.
            let weight = q - Double(order) * 1e-6
            if q > 0, best.map({ weight > $0.1 }) ?? true { best = (language, weight) }
        }
        return best?.0
    }

    public func t(_ key: String, _ arguments: [String: String] = [:]) -> String {
        application.localizer.text(key, language, arguments)
    }
}
