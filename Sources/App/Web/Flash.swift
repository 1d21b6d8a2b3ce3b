import Vapor

/// A message for the next page only ("Đã lưu buổi tuần tra"), kept in the session across the redirect after a
/// form is saved.
enum Flash {
    static let key = "flash"

    static func set(_ req: Request, _ message: String) { req.session.data[key] = message }

    /// The message, once: reading it removes it.
    static func take(_ req: Request) -> String? {
        guard req.hasSession, let message = req.session.data[key] else { return nil }
        req.session.data[key] = nil
        return message
    }
}
