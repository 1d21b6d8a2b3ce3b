import Foundation
import ThiDuaCore
import Vapor

/// Stands before the citizens' routes that take a body, before anything of the body is read: the client's limit is
/// counted, a body declared larger than the routes take is refused, and only a few uploads are read at once (the
/// rest wait their turn, then are told to come back), so that a crowd of large bodies cannot hold the server's
/// memory or its health check. The web form's CSRF token, the body's first part, is checked as soon as it has come
/// (`CSRF.check`), before the files behind it.
struct TipIntake: AsyncMiddleware {
    /// Uploads read at once, and how many more may wait for a turn.
    static let concurrent = 4
    static let waiting = 16

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.method == .POST else { return try await next.respond(to: request) }
        if let declared = request.headers.first(name: .contentLength).flatMap(Int.init), declared > PublicTipController.maxBody.value {
            throw AppError(.payloadTooLarge, "tips.tooLarge", ["size": String(PublicTipController.maxBody.value / 1024 / 1024)])
        }
        let kind: TipLimiter.Kind = request.url.path.hasSuffix("/status") ? .check : .tip
        try PublicTipController.limit(request, kind)
        return try await request.application.tips.uploads.run { try await next.respond(to: request) }
    }
}
