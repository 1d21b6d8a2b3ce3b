import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A local SMTP server that takes every message and keeps its whole conversation, for the e-mail tests.
final class SMTPSink: @unchecked Sendable {
    let port: Int
    private let fd: Int32
    private let lock = NSLock()
    private var kept: [String] = []
    private var thread: Thread?

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(fd, 8) == 0 else { throw TestFailure(description: "the SMTP sink cannot listen") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        self.fd = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
        let t = Thread { [self] in self.serve() }
        thread = t
        t.start()
    }

    func messages() -> [String] { lock.lock(); defer { lock.unlock() }; return kept }

    func stop() { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }

    private func serve() {
        while true {
            let client = accept(fd, nil, nil)
            guard client >= 0 else { return }
            var conversation = ""
            func say(_ s: String) { _ = s.withCString { Glibc.send(client, $0, strlen($0), Int32(MSG_NOSIGNAL)) } }
            say("220 sink\r\n")
            var buffer = ""
            var inData = false
            var keptAlready = false
            loop: while true {
                var chunk = [UInt8](repeating: 0, count: 4096)
                let n = recv(client, &chunk, chunk.count, 0)
                if n <= 0 { break }
                buffer += String(decoding: chunk[..<n], as: UTF8.self)
                while let range = buffer.range(of: "\r\n") {
                    let line = String(buffer[..<range.lowerBound])
                    buffer.removeSubrange(..<range.upperBound)
                    conversation += line + "\r\n"
                    if inData {
                        if line == "." { inData = false; say("250 kept\r\n") }
                        continue
                    }
                    switch line.prefix(4).uppercased() {
                    case "EHLO", "HELO": say("250-sink\r\n250 8BITMIME\r\n")
                    case "DATA": inData = true; say("354 go on\r\n")
                    case "QUIT":
                        // Kept before the answer: the client goes on as soon as it reads it, and a test reads next.
                        lock.lock(); kept.append(conversation); lock.unlock()
                        keptAlready = true
                        say("221 bye\r\n")
                        break loop
                    default: say("250 ok\r\n")
                    }
                }
            }
            close(client)
            if !keptAlready { lock.lock(); kept.append(conversation); lock.unlock() }
        }
    }
}
