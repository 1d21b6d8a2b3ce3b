import Foundation

/// A file sent with a tip or a message: its type read from its content (never from its name or the browser's
/// word), and its identifying metadata (the camera's GPS position, time, owner) removed before it is stored.
public enum AttachmentKind: String, Codable, CaseIterable, Sendable {
    case jpeg, png, webp, mp4, pdf

    public var mediaType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        case .mp4: "video/mp4"
        case .pdf: "application/pdf"
        }
    }

    public var fileExtension: String { self == .jpeg ? "jpg" : rawValue }
    public var isImage: Bool { self == .jpeg || self == .png || self == .webp }
}

public enum AttachmentProblem: String, Error, Sendable {
    case empty
    case tooLarge
    /// Not one of the kinds taken, whatever its name says.
    case unknownType
    /// Looks like a kind taken but cannot be read through (a damaged or disguised file).
    case damaged
    /// A photo with more pixels than `Rebuild.pixelLimit`.
    case tooManyPixels
    /// A PDF of more pages than `Rebuild.pdfPages`.
    case tooManyPages
    /// A kind this server cannot rebuild now (its tool is missing): refused rather than kept as sent.
    case unavailable
}

public enum Attachment {
    public static let maximumBytes = 15 * 1024 * 1024
    public static let maximumCount = 3

    /// The kind of a file from its first bytes.
    public static func sniff(_ b: [UInt8]) -> AttachmentKind? {
        func starts(_ p: [UInt8], at i: Int = 0) -> Bool { b.count >= i + p.count && Array(b[i..<(i + p.count)]) == p }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts(Array("RIFF".utf8)), starts(Array("WEBP".utf8), at: 8) { return .webp }
        if starts(Array("%PDF-".utf8)) { return .pdf }
        if starts(Array("ftyp".utf8), at: 4), b.count >= 12 {
            // ISO media: MP4 and QuickTime video; HEIF photos (heic, mif1) are not taken, their metadata sits in
            // item boxes this reader does not rewrite.
            let brand = String(decoding: b[8..<12], as: UTF8.self)
            let video = ["isom", "iso2", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "M4V ", "qt  ", "3gp4", "3gp5", "3gp6", "MSNV", "dash"]
            return video.contains(brand) ? .mp4 : nil
        }
        return nil
    }

    /// The file checked and cleaned: its kind, and its bytes without metadata that could identify the sender.
    /// An officer's file (evidence, a nomination's papers) checked and cleaned segment by segment: a PDF stays a
    /// document with its text. A citizen's file is rebuilt instead (`Rebuild`).
    public static func clean(_ bytes: [UInt8]) -> Result<(AttachmentKind, [UInt8]), AttachmentProblem> {
        let kind: AttachmentKind
        switch check(bytes) {
        case .success(let k): kind = k
        case .failure(let problem): return .failure(problem)
        }
        let cleaned: [UInt8]?
        switch kind {
        case .jpeg: cleaned = stripJPEG(bytes)
        case .png: cleaned = stripPNG(bytes)
        case .webp: cleaned = stripWebP(bytes)
        case .mp4: cleaned = blankISOMetadata(bytes)
        // A PDF is kept as sent: the page says so (its author and creation fields are not rewritten).
        case .pdf: cleaned = bytes.count > 8 ? bytes : nil
        }
        guard let cleaned else { return .failure(.damaged) }
        return .success((kind, cleaned))
    }

    /// A file's kind from its content, or why it is not taken: empty, too large, of no kind taken.
    public static func check(_ bytes: [UInt8]) -> Result<AttachmentKind, AttachmentProblem> {
        guard !bytes.isEmpty else { return .failure(.empty) }
        guard bytes.count <= maximumBytes else { return .failure(.tooLarge) }
        guard let kind = sniff(bytes) else { return .failure(.unknownType) }
        return .success(kind)
    }

    /// The orientation a JPEG's Exif gives (1–8), read from its first directory; nil when it has none.
    public static func exifOrientation(_ segment: ArraySlice<UInt8>) -> UInt16? {
        let s = Array(segment)
        // FF E1, length, "Exif\0\0", then the TIFF header: byte order, 42, the first directory's offset.
        guard s.count >= 4 + 6 + 8, Array(s[4..<10]) == Array("Exif".utf8) + [0, 0] else { return nil }
        let tiff = Array(s[10...])
        let little: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ i: Int) -> Int? {
            guard i + 2 <= tiff.count else { return nil }
            return little ? Int(tiff[i]) | Int(tiff[i + 1]) << 8 : Int(tiff[i]) << 8 | Int(tiff[i + 1])
        }
        func u32(_ i: Int) -> Int? {
            guard let a = u16(i), let b = u16(i + 2) else { return nil }
            return little ? a | b << 16 : a << 16 | b
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
        for n in 0..<count {
            let entry = ifd + 2 + 12 * n
            guard let tag = u16(entry) else { return nil }
            if tag == 0x0112, u16(entry + 2) == 3, let value = u16(entry + 8), (1...8).contains(value) { return UInt16(value) }
        }
        return nil
    }

    /// An Exif segment holding the orientation alone, so that a photo taken sideways still shows upright.
    static func orientationSegment(_ orientation: UInt16) -> [UInt8] {
        let tiff: [UInt8] = Array("MM".utf8) + [0, 42, 0, 0, 0, 8]
            + [0, 1]                                                   // one entry
            + [0x01, 0x12, 0, 3, 0, 0, 0, 1, UInt8(orientation >> 8), UInt8(orientation & 0xFF), 0, 0]
            + [0, 0, 0, 0]                                             // no further directory
        let payload = Array("Exif".utf8) + [0, 0] + tiff
        let length = payload.count + 2
        return [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    }

    /// JPEG without its application segments (Exif with GPS, XMP, IPTC, maker notes) and comments; the JFIF header
    /// (APP0), the colour profile (APP2 ICC_PROFILE) and Adobe's colour marker (APP14) stay, as do the image data,
    /// and of the Exif only the orientation (a new segment with that tag alone).
    static func stripJPEG(_ b: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = [0xFF, 0xD8]
        var i = 2
        while i + 4 <= b.count {
            guard b[i] == 0xFF else { return nil }
            let marker = b[i + 1]
            if marker == 0xFF { i += 1; continue }  // fill byte
            if marker == 0xD9 { out += [0xFF, 0xD9]; return out }
            if (0xD0...0xD7).contains(marker) || marker == 0x01 { out += b[i..<(i + 2)]; i += 2; continue }
            let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard length >= 2, i + 2 + length <= b.count else { return nil }
            let segment = b[i..<(i + 2 + length)]
            if marker == 0xDA {
                // Start of scan: the rest is image data, kept as it is.
                out += b[i...]
                return out
            }
            let keep: Bool
            switch marker {
            case 0xE0, 0xEE: keep = true
            case 0xE2: keep = Array(b[(i + 4)..<min(i + 4 + 11, b.count)]) == Array("ICC_PROFILE".utf8)
            case 0xE1:
                keep = false
                if let orientation = exifOrientation(segment), orientation != 1 { out += orientationSegment(orientation) }
            case 0xE3...0xED, 0xEF, 0xFE: keep = false
            default: keep = true
            }
            if keep { out += segment }
            i += 2 + length
        }
        return nil
    }

    /// PNG without its text chunks, its Exif chunk and its time stamp.
    static func stripPNG(_ b: [UInt8]) -> [UInt8]? {
        var out = Array(b[0..<8])
        var i = 8
        let dropped: Set<String> = ["tEXt", "zTXt", "iTXt", "eXIf", "tIME"]
        while i + 12 <= b.count {
            let length = Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard length >= 0, i + 12 + length <= b.count else { return nil }
            let type = String(decoding: b[(i + 4)..<(i + 8)], as: UTF8.self)
            if !dropped.contains(type) { out += b[i..<(i + 12 + length)] }
            i += 12 + length
            if type == "IEND" { return out }
        }
        return nil
    }

    /// WebP without its EXIF and XMP chunks, the extended header's flags for them cleared and the size made right.
    static func stripWebP(_ b: [UInt8]) -> [UInt8]? {
        guard b.count >= 20 else { return nil }
        var body: [UInt8] = Array("WEBP".utf8)
        var i = 12
        while i + 8 <= b.count {
            let type = String(decoding: b[i..<(i + 4)], as: UTF8.self)
            let size = Int(b[i + 4]) | Int(b[i + 5]) << 8 | Int(b[i + 6]) << 16 | Int(b[i + 7]) << 24
            let padded = size + (size & 1)
            guard i + 8 + size <= b.count else { return nil }
            var chunk = Array(b[i..<min(b.count, i + 8 + padded)])
            if type == "VP8X", chunk.count > 8 { chunk[8] &= ~UInt8(0x08 | 0x04) }  // EXIF and XMP flags
            if type != "EXIF" && type != "XMP " { body += chunk }
            i += 8 + padded
        }
        let size = UInt32(body.count)
        return Array("RIFF".utf8) + [UInt8(size & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size >> 16 & 0xFF), UInt8(size >> 24)] + body
    }

    /// MP4 and QuickTime: every `udta` and `meta` box under `moov` and its tracks (where phones write the place
    /// and the device) becomes a `free` box of the same size, zeroed, so that no offset into the media moves.
    static func blankISOMetadata(_ bytes: [UInt8]) -> [UInt8]? {
        var b = bytes
        func walk(_ from: Int, _ to: Int) -> Bool {
            var i = from
            while i + 8 <= to {
                var size = Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
                var header = 8
                if size == 1 {
                    guard i + 16 <= to else { return false }
                    size = b[(i + 8)..<(i + 16)].reduce(0) { $0 << 8 | Int($1) }
                    header = 16
                } else if size == 0 {
                    size = to - i
                }
                guard size >= header, i + size <= to else { return false }
                let type = String(decoding: b[(i + 4)..<(i + 8)], as: UTF8.self)
                switch type {
                case "udta", "meta":
                    b.replaceSubrange((i + 4)..<(i + 8), with: Array("free".utf8))
                    for j in (i + header)..<(i + size) { b[j] = 0 }
                case "moov", "trak", "mdia", "minf":
                    if !walk(i + header, i + size) { return false }
                default: break
                }
                i += size
            }
            return i == to || to - i < 8
        }
        return walk(0, b.count) ? b : nil
    }
}
