import Vapor

/// A mistake a client can fix, with its message in the user's language (a key of the localization files).
struct AppError: AbortError {
    let status: HTTPResponseStatus
    let key: String
    let arguments: [String: String]
    /// Messages per form field, for pages that show them beside the field.
    let fields: [String: String]

    init(_ status: HTTPResponseStatus, _ key: String, _ arguments: [String: String] = [:], fields: [String: String] = [:]) {
        self.status = status
        self.key = key
        self.arguments = arguments
        self.fields = fields
    }

    var reason: String { key }

    /// A busy server, or a client over its limit, is told when to come back.
    var headers: HTTPHeaders {
        switch status {
        case .serviceUnavailable: ["Retry-After": "2"]
        case .tooManyRequests: ["Retry-After": arguments["seconds"] ?? "60"]
        default: [:]
        }
    }

    /// The same error with its fields named as another form names them (the API's `selfScore` for the form's `score`).
    func renaming(_ names: [String: String]) -> AppError {
        AppError(status, key, arguments, fields: Dictionary(fields.map { (names[$0.key] ?? $0.key, $0.value) }, uniquingKeysWith: { a, _ in a }))
    }

    static func badRequest(_ key: String, _ arguments: [String: String] = [:]) -> AppError {
        AppError(.badRequest, key, arguments)
    }
    static func notFound(_ key: String = "error.notFound") -> AppError { AppError(.notFound, key) }
    static let unauthorized = AppError(.unauthorized, "error.unauthorized")
    static let forbidden = AppError(.forbidden, "error.forbidden")
}

/// One place that turns every error into an answer: a JSON problem for the API, a page for people.
/// Client mistakes keep their 4xx status and a message they can act on; anything else is a logged 500.
struct ErrorRenderer: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            return await render(error, for: request)
        }
    }

    func render(_ error: any Error, for request: Request) async -> Response {
        // The router's 404 for a path that exists under other methods is a 405 that says which.
        let allowed = error is RouteNotFound ? Self.methods(for: request) : []
        if !allowed.isEmpty {
            let response = await render(AppError(.methodNotAllowed, "error.405"), for: request)
            response.headers.replaceOrAdd(name: .allow, value: allowed.joined(separator: ", "))
            return response
        }
        let (status, message) = classify(error, request)
        if status.code >= 500 && !(error is AppError) {
            request.logger.error("\(String(reflecting: error))", metadata: ["component": "http"])
        } else {
            request.logger.debug("client error \(status.code): \(error)")
        }
        if request.url.path.hasPrefix("/api/") || request.url.path == "/healthz" || !acceptsHTML(request) {
            var problem = Problem(type: "about:blank", title: status.reasonPhrase, status: Int(status.code), detail: message)
            if let e = error as? AppError, !e.fields.isEmpty {
                problem.errors = e.fields.mapValues { request.t($0) }
            }
            let response = Response(status: status)
            if let e = error as? any AbortError { response.headers.add(contentsOf: e.headers) }
            // Keys in a fixed order: the same mistake gets the same bytes (a wrong receipt code tells nothing).
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try? response.content.encode(problem, using: encoder)
            response.headers.contentType = HTTPMediaType(type: "application", subType: "problem+json", parameters: ["charset": "utf-8"])
            if status == .unauthorized { response.headers.replaceOrAdd(name: .wwwAuthenticate, value: "Bearer") }
            return response
        }
        let context = ErrorPage(status: Int(status.code), message: message, page: .init(request: request, title: message))
        do {
            let view = try await request.view.render("error", context)
            let response = try await view.encodeResponse(status: status, for: request)
            if let e = error as? any AbortError { response.headers.add(contentsOf: e.headers) }
            return response
        } catch {
            return Response(status: status, headers: ["Content-Type": "text/plain; charset=utf-8"], body: .init(string: message))
        }
    }

    /// The methods registered for the request's path, other than its own.
    static func methods(for request: Request) -> [String] {
        let segments = request.url.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let methods = request.application.routes.all.filter { route in
            route.path.count == segments.count && zip(route.path, segments).allSatisfy { component, segment in
                switch component {
                case .constant(let c): c == segment
                case .parameter, .anything, .catchall: true
                }
            }
        }.map(\.method.rawValue)
        return Set(methods).subtracting([request.method.rawValue]).sorted()
    }

    private func acceptsHTML(_ request: Request) -> Bool {
        request.headers.accept.contains { $0.mediaType == .html } || request.headers.accept.isEmpty
    }

    private func classify(_ error: any Error, _ request: Request) -> (HTTPResponseStatus, String) {
        switch error {
        case let e as AppError:
            return (e.status, request.t(e.key, e.arguments))
        case is DecodingError:
            return (.badRequest, request.t("error.badInput"))
        case let e as any AbortError where e.status.code < 500:
            let key = "error.\(e.status.code)"
            let text = request.t(key)
            return (e.status, text == key ? request.t("error.badInput") : text)
        default:
            return (.internalServerError, request.t("error.500"))
        }
    }
}

/// RFC 9457 problem details.
struct Problem: Content {
    var type: String
    var title: String
    var status: Int
    var detail: String
    /// For invalid input: a message per field, in the user's language.
    var errors: [String: String]?
}
