import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Vapor
#if canImport(Glibc)
import Glibc
#endif

/// Bytes written to a local server over one plain socket, and what it answers: for what a client library will not
/// do (a second request behind a body the server has refused), and for requests over a real socket whose test must
/// not fail because the whole suite, running beside it on two cores, keeps the server waiting for its turn (the
/// test client of Vapor gives up after 30 seconds; these wait as long as `timeout`).
enum RawHTTP {
    static let timeout = 240

    /// Sends `bytes` to 127.0.0.1:`port`, then reads until `until` holds of what came, the server closes, or
    /// `timeout` seconds pass without a byte. On a thread of its own: the socket blocks, and on any shared pool it
    /// would hold a thread the server under test may need to answer it (with the process-wide pool's two threads
    /// taken by two such tests, neither server could write its tip, and both waited out the timeout).
    static func exchange(port: Int, send bytes: [UInt8], until: (@Sendable (String) -> Bool)? = nil) async throws -> String {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<String, any Error>) in
            let thread = Thread { done.resume(with: Result { try exchangeBlocking(port: port, send: bytes, until: until) }) }
            thread.start()
        }
    }

    /// A request of `method` to `path` with these headers (`Connection: close` added) and body; the answer's status
    /// and the whole answer as text.
    static func request(port: Int, _ method: HTTPMethod, _ path: String, headers: HTTPHeaders, body: ByteBuffer) async throws -> (HTTPStatus, String) {
        var head = "\(method.rawValue) \(path) HTTP/1.1\r\nHost: thidua.test\r\nConnection: close\r\nContent-Length: \(body.readableBytes)\r\n"
        for (name, value) in headers where name.lowercased() != "content-length" { head += "\(name): \(value)\r\n" }
        let answer = try await exchange(port: port, send: Array(head.utf8) + Array("\r\n".utf8) + Array(body.readableBytesView))
        let code = answer.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) }
        return (code.map { HTTPStatus(statusCode: $0) } ?? .init(statusCode: 0), answer)
    }

    private static func exchangeBlocking(port: Int, send bytes: [UInt8], until: ((String) -> Bool)?) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure(description: "no socket") }
        defer { close(fd) }
        var wait = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestFailure(description: "cannot connect to port \(port)") }
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw TestFailure(description: "the server stopped reading after \(sent) of \(bytes.count) bytes") }
            sent += n
        }
        var answer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while !(until?(String(decoding: answer, as: UTF8.self)) ?? false) {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { break }
            answer += chunk[..<n]
        }
        return String(decoding: answer, as: UTF8.self)
    }
}

/// Runs `body` with the application's server listening on a free port of 127.0.0.1, shut down afterwards, also
/// when `body` throws.
func withRunningServer(_ app: Application, _ body: (Int) async throws -> Void) async throws {
    try await app.server.start(address: .hostname("127.0.0.1", port: 0))
    do {
        guard let port = app.http.server.shared.localAddress?.port else { throw TestFailure(description: "the server has no port") }
        try await body(port)
    } catch {
        await app.server.shutdown()
        throw error
    }
    await app.server.shutdown()
}
