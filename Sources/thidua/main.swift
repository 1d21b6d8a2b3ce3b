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
