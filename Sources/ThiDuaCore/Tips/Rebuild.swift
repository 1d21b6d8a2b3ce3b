import Foundation

/// How a citizen's file is made anew before it is stored, so that nothing the camera, the phone or the PDF writer
/// put in it can survive: a photo is decoded to its pixels and encoded again (turned upright first, since its
/// orientation goes with the rest), a video's streams are copied into a new container without any metadata or
/// time, and a PDF's pages are drawn as pictures and put into a new PDF of ours. Editing a file's segments instead
/// always misses something (a second image after the first, Exif between progressive scans, unknown PNG chunks).
/// The tools are the field's own (libvips, FFmpeg, Poppler); these are the steps, the app runs them.
public enum Rebuild {
    /// A photo's longer side at most (larger ones are scaled down; a phone's 4,000-pixel photo stays as it is).
    public static let largestSide = 4096
    /// The pixels a photo may have before it is decoded (200 MP phones: 16,320 × 12,240).
    public static let pixelLimit = 200_000_000
    /// The pages of a PDF drawn; a longer one is refused, with the limit said.
    public static let pdfPages = 20
    /// Dots per inch at which a PDF's pages are drawn: small print stays readable.
    public static let pdfResolution = 120

    public enum Tool: String, CaseIterable, Sendable {
        case vips, vipsheader, ffmpeg, pdfinfo, pdftoppm
    }

    /// One program's run: its arguments after the program's name.
    public struct Step: Sendable, Equatable {
        public var tool: Tool
        public var arguments: [String]
    }

    /// The tools a kind needs; a server without them refuses that kind rather than keep it as sent.
    public static func tools(for kind: AttachmentKind) -> [Tool] {
        switch kind {
        case .jpeg, .png: [.vipsheader, .vips]
        case .webp: [.vipsheader, .vips, .ffmpeg]
        case .mp4: [.ffmpeg]
        case .pdf: [.pdfinfo, .pdftoppm]
        }
    }

    /// The look before the rebuild (dimensions, page count), whose output `allowed` judges; nil: none needed.
    public static func probe(_ kind: AttachmentKind, input: String) -> Step? {
        switch kind {
        case .jpeg, .png, .webp: Step(tool: .vipsheader, arguments: [input])
        case .pdf: Step(tool: .pdfinfo, arguments: [input])
        case .mp4: nil
        }
    }

    /// What the probe said, judged: nil when the rebuild may go on.
    public static func allowed(_ kind: AttachmentKind, probe output: String) -> AttachmentProblem? {
        switch kind {
        case .jpeg, .png, .webp:
            // "file: 4032x3024 uchar, 3 bands, srgb, jpegload"
            guard let match = output.firstMatch(of: /: ([0-9]{1,6})x([0-9]{1,6})\s/),
                  let w = Int(match.1), let h = Int(match.2), w > 0, h > 0 else { return .damaged }
            return w * h > pixelLimit ? .tooManyPixels : nil
        case .pdf:
            guard let match = output.firstMatch(of: /(?m)^Pages:\s+([0-9]+)$/), let pages = Int(match.1) else { return .damaged }
            if pages == 0 { return .damaged }
            return pages > pdfPages ? .tooManyPages : nil
        case .mp4:
            return nil
        }
    }

    /// The rebuild: from `input` to `output` (for a PDF, the prefix of its page pictures, `output-1.jpg` …).
    public static func steps(_ kind: AttachmentKind, input: String, output: String) -> [Step] {
        let side = String(largestSide)
        switch kind {
        case .jpeg:
            // thumbnail turns the picture upright by its orientation and brings its colours to sRGB; strip writes
            // no Exif, XMP, IPTC or ICC profile.
            return [Step(tool: .vips, arguments: ["thumbnail", input, output + "[strip,Q=88]", side, "--size", "down"])]
        case .png:
            return [Step(tool: .vips, arguments: ["thumbnail", input, output + "[strip,compression=6]", side, "--size", "down"])]
        case .webp:
            // libvips 8.14 writes a WebP's Exif whatever strip says: its pixels go through a stripped PNG, and
            // FFmpeg's libwebp writes the WebP with no metadata chunk at all.
            let pixels = output + ".png"
            return [Step(tool: .vips, arguments: ["thumbnail", input, pixels + "[strip]", side, "--size", "down"]),
                    Step(tool: .ffmpeg, arguments: ["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", pixels,
                                                    "-c:v", "libwebp", "-quality", "88", "-map_metadata", "-1", "-fflags", "+bitexact",
                                                    "-f", "webp", output])]
        case .mp4:
            // The first video stream and the first sound, copied as they are (no quality lost); no other track
            // (subtitles and data tracks carry dash cams' and drones' GPS), no metadata of the file or its streams,
            // no chapters, and with bitexact every creation and modification time written as zero.
            return [Step(tool: .ffmpeg, arguments: [
                "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", input,
                "-map", "0:V:0", "-map", "0:a:0?", "-c", "copy", "-map_metadata", "-1", "-map_metadata:s", "-1",
                "-map_chapters", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
                "-movflags", "+faststart", "-f", "mp4", output,
            ])]
        case .pdf:
            return [Step(tool: .pdftoppm, arguments: [
                "-r", String(pdfResolution), "-jpeg", "-jpegopt", "quality=85", "-f", "1", "-l", String(pdfPages), input, output,
            ])]
        }
    }
}

/// A PDF of ours made from pictures of pages (JPEG, each a page at the resolution it was drawn): no information
/// dictionary, no XMP, no document id, no dates, nothing but the pages.
public enum ImagePDF {
    /// A baseline or progressive JPEG's width, height and colour components, from its frame header.
    public static func jpegSize(_ b: [UInt8]) -> (width: Int, height: Int, components: Int)? {
        guard b.count > 4, b[0] == 0xFF, b[1] == 0xD8 else { return nil }
        var i = 2
        while i + 9 < b.count {
            guard b[i] == 0xFF else { return nil }
            let marker = b[i + 1]
            if marker == 0xFF { i += 1; continue }
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { i += 2; continue }
            let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard length >= 2 else { return nil }
            // SOF0 to SOF15, without DHT (C4), JPG (C8) and DAC (CC).
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                let h = Int(b[i + 5]) << 8 | Int(b[i + 6])
                let w = Int(b[i + 7]) << 8 | Int(b[i + 8])
                let n = Int(b[i + 9])
                guard w > 0, h > 0, n == 1 || n == 3 else { return nil }
                return (w, h, n)
            }
            if marker == 0xDA { return nil }
            i += 2 + length
        }
        return nil
    }

    /// The PDF, or nil when a page is not a JPEG it can place.
    public static func make(pages: [[UInt8]], resolution: Int) -> [UInt8]? {
        guard !pages.isEmpty, resolution > 0 else { return nil }
        var out: [UInt8] = Array("%PDF-1.4\n%\u{E2}\u{E3}\u{CF}\u{D3}\n".utf8)
        var offsets: [Int] = []
        func object(_ body: [UInt8]) {
            offsets.append(out.count)
            out += Array("\(offsets.count) 0 obj\n".utf8) + body + Array("\nendobj\n".utf8)
        }
        // Objects: 1 catalog, 2 pages, then per page: page, content, image.
        let kids = pages.indices.map { "\(3 + 3 * $0) 0 R" }.joined(separator: " ")
        object(Array("<< /Type /Catalog /Pages 2 0 R >>".utf8))
        object(Array("<< /Type /Pages /Kids [\(kids)] /Count \(pages.count) >>".utf8))
        for (n, jpeg) in pages.enumerated() {
            guard let size = jpegSize(jpeg) else { return nil }
            let page = 3 + 3 * n
            let w = Double(size.width) * 72 / Double(resolution)
            let h = Double(size.height) * 72 / Double(resolution)
            let wt = String(format: "%.2f", w), ht = String(format: "%.2f", h)
            let draw = Array("q \(wt) 0 0 \(ht) 0 0 cm /P Do Q".utf8)
            object(Array("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 \(wt) \(ht)] /Resources << /XObject << /P \(page + 2) 0 R >> >> /Contents \(page + 1) 0 R >>".utf8))
            object(Array("<< /Length \(draw.count) >>\nstream\n".utf8) + draw + Array("\nendstream".utf8))
            let space = size.components == 1 ? "/DeviceGray" : "/DeviceRGB"
            object(Array("<< /Type /XObject /Subtype /Image /Width \(size.width) /Height \(size.height) /ColorSpace \(space) /BitsPerComponent 8 /Filter /DCTDecode /Length \(jpeg.count) >>\nstream\n".utf8)
                   + jpeg + Array("\nendstream".utf8))
        }
        let xref = out.count
        out += Array("xref\n0 \(offsets.count + 1)\n0000000000 65535 f \n".utf8)
        for o in offsets { out += Array(String(format: "%010d 00000 n \n", o).utf8) }
        out += Array("trailer\n<< /Size \(offsets.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n".utf8)
        return out
    }
}
