import Logging
import Vapor

/// What the log never holds, whatever its level: the values of a query. FluentKit logs each query at debug with
/// the rows it writes and the filters it reads by (a tip's text, a citizen's reply, an officer's search of the
/// inbox, members' personal details); only the table and the action stay. SQL statements themselves are logged at
/// trace, which this server never logs at (configure takes trace as debug).
struct RedactedLog: LogHandler {
    /// FluentKit's message for a query, and the metadata of it that says no value.
    static let queryMessage = "Running query"
    static let kept: Set<String> = ["schema", "action", "database-id", "request-id", "space"]

    var inner: any LogHandler

    init(_ inner: any LogHandler) { self.inner = inner }

    /// Wraps the application's logger once (wrapping twice does no harm, but says less about what it is).
    static func install(on app: Application) {
        if app.logger.handler is RedactedLog { return }
        app.logger.handler = RedactedLog(app.logger.handler)
    }

    func log(event: LogEvent) {
        var event = event
        if event.message.description == Self.queryMessage, let metadata = event.metadata {
            event.metadata = metadata.filter { Self.kept.contains($0.key) }
        }
        inner.log(event: event)
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }
}
