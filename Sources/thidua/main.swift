import App
import Foundation
import Logging
import Vapor

var env = try Environment.detect()
try LoggingSystem.bootstrap(from: &env)
let app = try await Application.make(env)
var status: Int32 = 0
do {
    try await configure(app, config: AppConfig.fromEnvironment())
    try await app.execute()
    // SIGTERM or SIGINT: stop accepting, let requests in flight finish, then close the database. A request still
    // running after the grace period is cut off by exiting here, never by a database closed under it.
    if !(await drainServer(app)) {
        app.logger.warning("Requests still running after the shutdown grace period; exiting without waiting for them")
        exit(0)
    }
} catch let error as StartupError {
    FileHandle.standardError.write(Data(("thidua: " + error.lines.joined(separator: "\nthidua: ") + "\n").utf8))
    status = 1
} catch let error where "\(type(of: error))" == "ExitCode" {
    status = 1
} catch {
    FileHandle.standardError.write(Data("thidua: \(error)\n".utf8))
    status = 1
}
try? await app.asyncShutdown()
exit(status)
