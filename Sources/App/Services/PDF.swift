import Foundation
import ZIPFoundation

/// A TrueType font as a PDF needs it: the glyph of each character, each glyph's advance, the metrics. Read from the
/// font file shipped in Resources/Fonts, embedded whole, so every Vietnamese letter prints as the font draws it.
struct TrueTypeFont: Sendable {
    struct Unreadable: Error {}

    let name: String
    let data: Data
    let unitsPerEm: Double
    let ascent: Int
    let descent: Int
    let capHeight: Int
    let bbox: [Int]
    private let advances: [UInt16]
    private let glyphs: [UInt32: UInt16]

    init(name: String, data: Data) throws {
        let b = [UInt8](data)
        func u16(_ o: Int) throws -> Int {
            guard o >= 0, o + 2 <= b.count else { throw Unreadable() }
            return Int(b[o]) << 8 | Int(b[o + 1])
        }
        func i16(_ o: Int) throws -> Int { let v = try u16(o); return v >= 0x8000 ? v - 0x10000 : v }
        func u32(_ o: Int) throws -> Int { try u16(o) << 16 | u16(o + 2) }
        var tables: [String: Int] = [:]
        for i in 0..<(try u16(4)) {
            let entry = 12 + 16 * i
            guard entry + 16 <= b.count else { throw Unreadable() }
            tables[String(decoding: b[entry..<entry + 4], as: UTF8.self)] = try u32(entry + 8)
        }
        guard let head = tables["head"], let hhea = tables["hhea"], let hmtx = tables["hmtx"], let maxp = tables["maxp"],
              let cmap = tables["cmap"] else { throw Unreadable() }
        unitsPerEm = Double(try u16(head + 18))
        bbox = [try i16(head + 36), try i16(head + 38), try i16(head + 40), try i16(head + 42)]
        ascent = try i16(hhea + 4)
        descent = try i16(hhea + 6)
        if let os2 = tables["OS/2"], try u16(os2) >= 2 { capHeight = try i16(os2 + 88) } else { capHeight = ascent }
        let metrics = try u16(hhea + 34), count = try u16(maxp + 4)
        var advances: [UInt16] = []
        for g in 0..<count { advances.append(UInt16(try u16(hmtx + 4 * min(g, metrics - 1)))) }
        self.advances = advances
        // The Unicode subtables: the full repertoire (format 12) when there is one, else the basic plane (format 4).
        var glyphs: [UInt32: UInt16] = [:]
        var format4: Int?, format12: Int?
        for i in 0..<(try u16(cmap + 2)) {
            let rec = cmap + 4 + 8 * i
            let (platform, encoding, offset) = (try u16(rec), try u16(rec + 2), try u32(rec + 4))
            let format = try u16(cmap + offset)
            if format == 12 && platform == 3 && encoding == 10 { format12 = cmap + offset }
            if format == 4 && (platform == 3 && encoding == 1 || platform == 0) { format4 = format4 ?? cmap + offset }
        }
        if let t = format12 {
            for g in 0..<(try u32(t + 12)) {
                let group = t + 16 + 12 * g
                let (start, end, first) = (try u32(group), try u32(group + 4), try u32(group + 8))
                guard end >= start, end - start < 0x10000 else { continue }
                for c in start...end { glyphs[UInt32(c)] = UInt16(truncatingIfNeeded: first + c - start) }
            }
        } else if let t = format4 {
            let segments = try u16(t + 6) / 2
            let ends = t + 14, starts = ends + 2 * segments + 2, deltas = starts + 2 * segments, ranges = deltas + 2 * segments
            for s in 0..<segments {
                let (start, end, delta, range) = (try u16(starts + 2 * s), try u16(ends + 2 * s), try u16(deltas + 2 * s), try u16(ranges + 2 * s))
                guard start <= end, start != 0xFFFF else { continue }
                for c in start...end {
                    var g: Int
                    if range == 0 {
                        g = (c + delta) & 0xFFFF
                    } else {
                        g = try u16(ranges + 2 * s + range + 2 * (c - start))
                        if g != 0 { g = (g + delta) & 0xFFFF }
                    }
                    if g != 0 { glyphs[UInt32(c)] = UInt16(g) }
                }
            }
        } else {
            throw Unreadable()
        }
        self.glyphs = glyphs
        self.name = name
        self.data = data
    }

    func glyph(_ scalar: Unicode.Scalar) -> UInt16 { glyphs[scalar.value] ?? 0 }

    /// A glyph's advance in thousandths of the font size.
    func advance(_ glyph: UInt16) -> Double {
        Double(advances.indices.contains(Int(glyph)) ? advances[Int(glyph)] : 0) * 1000 / unitsPerEm
    }

    func width(_ text: String, size: Double) -> Double {
        text.unicodeScalars.reduce(0) { $0 + advance(glyph($1)) } * size / 1000
    }
}

/// A PDF of pages laid out from the top: paragraphs that wrap, tables whose rows wrap and whose header repeats on
/// each page, two columns side by side (a Vietnamese document's heading and signature block). Text is NFC, so each
/// Vietnamese letter is one glyph, and each font carries a map back to Unicode so that the text can be searched and
/// copied (pdftotext reads it).
final class PDFDocument {
    enum Style: Int { case regular = 0, bold = 1 }
    enum Align { case left, center, right }

    struct Size: Sendable {
        var width: Double
        var height: Double
        static let a4 = Size(width: 595.28, height: 841.89)
        static let a4Landscape = Size(width: 841.89, height: 595.28)
    }

    /// A piece of text in one style.
    struct Run {
        var text: String
        var style: Style = .regular
        var size: Double = 13
        var align: Align = .left
    }

    let fonts: [TrueTypeFont]
    let size: Size
    let margin: (top: Double, left: Double, bottom: Double, right: Double)
    private var pages: [String] = []
    private var current = ""
    private var y: Double = 0
    private var used: [Set<UInt16>]

    var width: Double { size.width - margin.left - margin.right }

    /// `fonts`: the regular face, then the bold one.
    init(fonts: [TrueTypeFont], size: Size = .a4, margin: (top: Double, left: Double, bottom: Double, right: Double) = (56.7, 85, 56.7, 56.7)) {
        self.fonts = fonts
        self.size = size
        self.margin = margin
        used = fonts.map { _ in [] }
        newPage()
    }

    func newPage() {
        if !current.isEmpty || !pages.isEmpty || y != 0 { pages.append(current) }
        current = ""
        y = size.height - margin.top
    }

    private func font(_ style: Style) -> TrueTypeFont { fonts[min(style.rawValue, fonts.count - 1)] }

    /// Room for `height` more points on this page, or a new page.
    func need(_ height: Double) {
        if y - height < margin.bottom { newPage() }
    }

    func space(_ points: Double) { y -= points }

    /// The text's lines within `width`, broken at spaces (a word longer than a line is broken where it must be).
    func lines(_ run: Run, width: Double) -> [String] {
        let f = font(run.style)
        var out: [String] = []
        for paragraph in run.text.precomposedStringWithCanonicalMapping.components(separatedBy: "\n") {
            var line = ""
            for word in paragraph.split(separator: " ", omittingEmptySubsequences: false).map(String.init) {
                let candidate = line.isEmpty ? word : line + " " + word
                if f.width(candidate, size: run.size) <= width { line = candidate; continue }
                if !line.isEmpty { out.append(line); line = "" }
                var piece = ""
                for ch in word {
                    if f.width(piece + String(ch), size: run.size) > width, !piece.isEmpty { out.append(piece); piece = "" }
                    piece.append(ch)
                }
                line = piece
            }
            out.append(line)
        }
        return out
    }

    /// Draws one line of text with its left edge at `x`.
    private func draw(_ text: String, x: Double, baseline: Double, style: Style, size: Double) {
        let f = font(style)
        var hex = ""
        for scalar in text.unicodeScalars {
            let g = f.glyph(scalar)
            used[min(style.rawValue, fonts.count - 1)].insert(g)
            hex += String(format: "%04X", g)
        }
        current += String(format: "BT /F%d %.2f Tf %.2f %.2f Td <%@> Tj ET\n", min(style.rawValue, fonts.count - 1) + 1, size, x, baseline, hex)
    }

    /// Lines of a run within the column from `x` of `width`, from the current height; returns the height used.
    @discardableResult
    private func block(_ run: Run, x: Double, width: Double, top: Double) -> Double {
        let leading = run.size * 1.3
        var baseline = top - run.size
        for line in lines(run, width: width) {
            let w = font(run.style).width(line, size: run.size)
            let left = switch run.align {
            case .left: x
            case .center: x + (width - w) / 2
            case .right: x + width - w
            }
            draw(line, x: left, baseline: baseline, style: run.style, size: run.size)
            baseline -= leading
        }
        return Double(lines(run, width: width).count) * leading
    }

    /// A paragraph across the page, onto the next page line by line as needed.
    func paragraph(_ run: Run, indent: Double = 0, after: Double = 4) {
        let leading = run.size * 1.3
        for line in lines(run, width: width - indent) {
            need(leading)
            block(Run(text: line, style: run.style, size: run.size, align: run.align), x: margin.left + indent, width: width - indent, top: y)
            y -= leading
        }
        y -= after
    }

    /// Columns side by side, each a list of runs, starting level; the page continues below the longest.
    func columns(_ columns: [[Run]], widths: [Double]) {
        let heights = zip(columns, widths).map { runs, w in runs.reduce(0) { $0 + Double(lines($1, width: w * width).count) * $1.size * 1.3 } }
        need(heights.max() ?? 0)
        var x = margin.left
        for (runs, w) in zip(columns, widths) {
            var top = y
            for run in runs { top -= block(run, x: x, width: w * width, top: top) }
            x += w * width
        }
        y -= heights.max() ?? 0
    }

    /// A short rule centred under a column (the line under a Vietnamese document's organisation and motto).
    func rule(from x0: Double, to x1: Double) {
        current += String(format: "0.6 w %.2f %.2f m %.2f %.2f l S\n", margin.left + x0 * width, y + 2, margin.left + x1 * width, y + 2)
    }

    /// A table with borders; `widths` are fractions of the page's width; the header repeats on a new page.
    func table(header: [String], rows: [[String]], widths: [Double], size: Double = 10.5, numeric: Set<Int> = []) {
        let pad = 3.0, leading = size * 1.25
        func height(_ cells: [String], _ style: Style) -> Double {
            let n = zip(cells, widths).map { lines(Run(text: $0, style: style, size: size), width: $1 * width - 2 * pad).count }.max() ?? 1
            return Double(n) * leading + 2 * pad
        }
        func row(_ cells: [String], _ style: Style) {
            let h = height(cells, style)
            var x = margin.left
            for (i, (cell, w)) in zip(cells, widths).enumerated() {
                let cw = w * width
                current += String(format: "0.5 w %.2f %.2f %.2f %.2f re S\n", x, y - h, cw, h)
                var baseline = y - pad - size
                for line in lines(Run(text: cell, style: style, size: size), width: cw - 2 * pad) {
                    let lw = font(style).width(line, size: size)
                    let left = numeric.contains(i) && style == .regular ? x + cw - pad - lw : x + pad
                    draw(line, x: left, baseline: baseline, style: style, size: size)
                    baseline -= leading
                }
                x += cw
            }
            y -= h
        }
        need(height(header, .bold) + (rows.first.map { height($0, .regular) } ?? 0))
        row(header, .bold)
        for cells in rows {
            if y - height(cells, .regular) < margin.bottom {
                newPage()
                row(header, .bold)
            }
            row(cells, .regular)
        }
        y -= 8
    }

    /// The finished file.
    func data() throws -> Data {
        pages.append(current)
        current = ""
        var objects: [Data] = []
        func add(_ text: String) -> Int { objects.append(Data(text.utf8)); return objects.count }
        func add(stream: Data, dictionary: String = "") throws -> Int {
            let packed = try Self.zlib(stream)
            var object = Data("<< \(dictionary) /Length \(packed.count) /Filter /FlateDecode >>\nstream\n".utf8)
            object.append(packed)
            object.append(Data("\nendstream".utf8))
            objects.append(object)
            return objects.count
        }
        let catalog = add("<< /Type /Catalog /Pages 2 0 R >>")
        _ = add("") // the page tree, written once the pages are known
        var fontRefs: [Int] = []
        for (i, f) in fonts.enumerated() {
            let file = try add(stream: f.data, dictionary: "/Length1 \(f.data.count)")
            let s = 1000 / f.unitsPerEm
            let descriptor = add("""
                << /Type /FontDescriptor /FontName /\(f.name) /Flags 6 /FontBBox [\(f.bbox.map { String(Int(Double($0) * s)) }.joined(separator: " "))] \
                /ItalicAngle 0 /Ascent \(Int(Double(f.ascent) * s)) /Descent \(Int(Double(f.descent) * s)) /CapHeight \(Int(Double(f.capHeight) * s)) \
                /StemV 80 /FontFile2 \(file) 0 R >>
                """)
            let glyphs = used[i].sorted()
            let widths = glyphs.map { "\($0) [\(Int(f.advance($0).rounded()))]" }.joined(separator: " ")
            let cid = add("""
                << /Type /Font /Subtype /CIDFontType2 /BaseFont /\(f.name) /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> \
                /FontDescriptor \(descriptor) 0 R /CIDToGIDMap /Identity /DW 1000 /W [\(widths)] >>
                """)
            let toUnicode = try add(stream: Data(Self.toUnicode(font: f, glyphs: glyphs).utf8))
            fontRefs.append(add("""
                << /Type /Font /Subtype /Type0 /BaseFont /\(f.name) /Encoding /Identity-H /DescendantFonts [\(cid) 0 R] /ToUnicode \(toUnicode) 0 R >>
                """))
        }
        let resources = "<< /Font << " + fontRefs.enumerated().map { "/F\($0 + 1) \($1) 0 R" }.joined(separator: " ") + " >> >>"
        var kids: [Int] = []
        for page in pages {
            let content = try add(stream: Data(page.utf8))
            kids.append(add(String(format: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources %@ /Contents %d 0 R >>",
                                   size.width, size.height, resources, content)))
        }
        objects[1] = Data("<< /Type /Pages /Kids [\(kids.map { "\($0) 0 R" }.joined(separator: " "))] /Count \(kids.count) >>".utf8)
        var out = Data("%PDF-1.7\n%\u{E2}\u{E3}\u{CF}\u{D3}\n".utf8)
        var offsets: [Int] = []
        for (i, object) in objects.enumerated() {
            offsets.append(out.count)
            out.append(Data("\(i + 1) 0 obj\n".utf8))
            out.append(object)
            out.append(Data("\nendobj\n".utf8))
        }
        let xref = out.count
        out.append(Data("xref\n0 \(objects.count + 1)\n0000000000 65535 f \n".utf8))
        for o in offsets { out.append(Data(String(format: "%010d 00000 n \n", o).utf8)) }
        out.append(Data("trailer\n<< /Size \(objects.count + 1) /Root \(catalog) 0 R >>\nstartxref\n\(xref)\n%%EOF\n".utf8))
        return out
    }

    /// What each glyph used stands for, so that the text reads back as Unicode.
    static func toUnicode(font: TrueTypeFont, glyphs: [UInt16]) -> String {
        var reverse: [UInt16: Unicode.Scalar] = [:]
        let wanted = Set(glyphs)
        // The first character found for a glyph names it (the characters drawn are all below U+3000).
        for value in UInt32(0x20)...UInt32(0x2FFF) {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let g = font.glyph(scalar)
            if g != 0, wanted.contains(g), reverse[g] == nil { reverse[g] = scalar }
        }
        var out = """
            /CIDInit /ProcSet findresource begin 12 dict begin begincmap /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def \
            /CMapName /Adobe-Identity-UCS def /CMapType 2 def 1 begincodespacerange <0000> <FFFF> endcodespacerange\n
            """
        let pairs = reverse.sorted { $0.key < $1.key }
        for start in stride(from: 0, to: pairs.count, by: 100) {
            let chunk = pairs[start..<min(start + 100, pairs.count)]
            out += "\(chunk.count) beginbfchar\n"
            for (g, s) in chunk {
                let utf16 = String(Character(s)).utf16.map { String(format: "%04X", $0) }.joined()
                out += String(format: "<%04X> <%@>\n", g, utf16)
            }
            out += "endbfchar\n"
        }
        return out + "endcmap CMapName currentdict /CMap defineresource pop end end"
    }

    /// Deflate in the zlib wrapping PDF's FlateDecode reads: a header, the raw stream, the Adler-32 of the input.
    static func zlib(_ data: Data) throws -> Data {
        var out = Data([0x78, 0x9C])
        _ = try Data.compress(size: Int64(data.count), bufferSize: 64 * 1024, provider: { position, size in
            data.subdata(in: Int(position)..<Int(position) + size)
        }, consumer: { out.append($0) })
        var a: UInt32 = 1, b: UInt32 = 0
        for chunk in stride(from: 0, to: data.count, by: 5552) {
            for byte in data[data.startIndex + chunk..<data.startIndex + min(chunk + 5552, data.count)] {
                a += UInt32(byte)
                b += a
            }
            a %= 65521
            b %= 65521
        }
        out.append(contentsOf: [UInt8(b >> 8 & 0xFF), UInt8(b & 0xFF), UInt8(a >> 8 & 0xFF), UInt8(a & 0xFF)])
        return out
    }
}

/// The fonts shipped for documents (DejaVu Serif: Vietnamese complete), read once.
enum DocumentFonts {
    static func load(resources: String) throws -> [TrueTypeFont] {
        try [("DejaVuSerif", "DejaVuSerif.ttf"), ("DejaVuSerif-Bold", "DejaVuSerif-Bold.ttf")].map { name, file in
            let path = (resources as NSString).appendingPathComponent("Fonts/" + file)
            guard let data = FileManager.default.contents(atPath: path) else { throw TrueTypeFont.Unreadable() }
            return try TrueTypeFont(name: name, data: data)
        }
    }
}
