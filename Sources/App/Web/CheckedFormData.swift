import MultipartKit
import ThiDuaCore
import Vapor

/// Multipart forms, on the web and the API, decoded as Vapor does after one look at their fields: a text field with
/// a control character (`TextInput`: NUL, which PostgreSQL cannot store, BEL, ESC, NEL…) or a field given twice
/// (which of the two did the person mean?) is refused with a message, and nothing is stored. A file's bytes are not looked into: they are
/// anything, and a citizen's are rebuilt (`Rebuilder`). Names ending in `[]` (`files[]`) are lists and repeat.
struct CheckedFormData: ContentDecoder {
    func decode<D: Decodable>(_ decodable: D.Type, from body: ByteBuffer, headers: HTTPHeaders) throws -> D {
        if let boundary = headers.contentType?.parameters["boundary"] { try Self.check(body, boundary: boundary) }
        return try FormDataDecoder().decode(D.self, from: body, headers: headers)
    }

    static func check(_ body: ByteBuffer, boundary: String) throws {
        let parser = MultipartParser(boundary: boundary)
        var name: String?
        var isFile = false
        var text: [UInt8] = []
        var seen: Set<String> = []
        var refusal: AppError?
        parser.onHeader = { field, value in
            guard field.lowercased() == "content-disposition" else { return }
            let parameters = Self.parameters(value)
            name = parameters["name"]
            isFile = parameters["filename"] != nil
        }
        parser.onBody = { chunk in
            if !isFile { text += chunk.readableBytesView }
        }
        parser.onPartComplete = {
            if refusal == nil, let field = name {
                if let bad = TextInput.forbidden(in: String(decoding: text, as: UTF8.self)) {
                    refusal = InputGuard.refusal(bad, field: field)
                } else if !field.hasSuffix("[]"), !seen.insert(field).inserted {
                    refusal = AppError.badRequest("error.fieldRepeated", ["name": field])
                }
            }
            name = nil
            isFile = false
            text = []
        }
        do {
            try parser.execute(body)
        } catch {
            // A body that is not multipart as its header says (the parser's own error would be a 500).
            throw AppError.badRequest("error.badInput")
        }
        if let refusal { throw refusal }
    }

    /// `form-data; name="a"; filename="b.jpg"` → ["name": "a", "filename": "b.jpg"].
    static func parameters(_ disposition: String) -> [String: String] {
        var out: [String: String] = [:]
        for item in disposition.split(separator: ";").dropFirst() {
            let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            var value = pair[1]
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            out[pair[0].lowercased()] = value
        }
        return out
    }
}
