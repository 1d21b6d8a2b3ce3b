import Crypto
import Foundation
import Vapor

/// A weak entity tag for an answer built from stored data: the same inputs (what was asked, in which language, and
/// the data's version) give the same tag, so a client that already has the answer gets 304 and nothing is built.
enum EntityTag {
    static func make(_ parts: [String]) -> String {
        let digest = SHA256.hash(data: Data(parts.joined(separator: "\u{1F}").utf8))
        return "W/\"" + digest.prefix(12).map { String(format: "%02x", $0) }.joined() + "\""
    }

    /// Whether the request's `If-None-Match` names the tag (or `*`); compared weakly, as RFC 9110 says for GET.
    static func matches(_ request: Request, _ tag: String) -> Bool {
        let bare = tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag
        for field in request.headers[.ifNoneMatch] {
            for candidate in field.split(separator: ",") {
                let c = candidate.trimmingCharacters(in: .whitespaces)
                if c == "*" || c == tag || c == bare || (c.hasPrefix("W/") && String(c.dropFirst(2)) == bare) { return true }
            }
        }
        return false
    }

    /// 304 with the tag when the client has it; otherwise the answer built, with the tag.
    static func answer(_ request: Request, tag: String, build: () async throws -> Response) async throws -> Response {
        if matches(request, tag) {
            var headers = HTTPHeaders()
            headers.replaceOrAdd(name: .eTag, value: tag)
            return Response(status: .notModified, headers: headers)
        }
        let response = try await build()
        response.headers.replaceOrAdd(name: .eTag, value: tag)
        return response
    }
}
