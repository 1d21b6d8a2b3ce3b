import Foundation
import ZIPFoundation

/// A TrueType font as a PDF needs it: the glyph of each character, each glyph's advance, the metrics, and the
/// font's tables, from which a document embeds only the glyphs it draws (`subset`).
struct TrueTypeFont: Sendable {
    struct Unreadable: Error {}

    let name: String
    let data: Data
    let unitsPerEm: Double
    let ascent: Int
    let descent: Int
    let capHeight: Int
    let bbox: [Int]
    let italicAngle: Double
    private let advances: [UInt16]
    private let glyphs: [UInt32: UInt16]
    /// Each table's offset and length in `data`.
    private let tables: [String: (offset: Int, length: Int)]
    /// Each glyph's outline in `glyf` (offset, length), from `loca`.
    private let outlines: [(offset: Int, length: Int)]

    init(name: String, data: Data) throws {
        let b = [UInt8](data)
        func u16(_ o: Int) throws -> Int {
            guard o >= 0, o + 2 <= b.count else { throw Unreadable() }
            return Int(b[o]) << 8 | Int(b[o + 1])
        }
        func i16(_ o: Int) throws -> Int { let v = try u16(o); return v >= 0x8000 ? v - 0x10000 : v }
        func u32(_ o: Int) throws -> Int { try u16(o) << 16 | u16(o + 2) }
        var tables: [String: (offset: Int, length: Int)] = [:]
        for i in 0..<(try u16(4)) {
            let entry = 12 + 16 * i
            guard entry + 16 <= b.count else { throw Unreadable() }
            let (offset, length) = (try u32(entry + 8), try u32(entry + 12))
            guard offset + length <= b.count else { throw Unreadable() }
            tables[String(decoding: b[entry..<entry + 4], as: UTF8.self)] = (offset, length)
        }
        guard let head = tables["head"]?.offset, let hhea = tables["hhea"]?.offset, let hmtx = tables["hmtx"]?.offset,
              let maxp = tables["maxp"]?.offset, let cmap = tables["cmap"]?.offset, let loca = tables["loca"]?.offset,
              let glyf = tables["glyf"] else { throw Unreadable() }
        unitsPerEm = Double(try u16(head + 18))
        bbox = [try i16(head + 36), try i16(head + 38), try i16(head + 40), try i16(head + 42)]
        ascent = try i16(hhea + 4)
        descent = try i16(hhea + 6)
        if let os2 = tables["OS/2"]?.offset, try u16(os2) >= 2 { capHeight = try i16(os2 + 88) } else { capHeight = ascent }
        italicAngle = try tables["post"].map { Double(try i16($0.offset + 4)) + Double(try u16($0.offset + 6)) / 65536 } ?? 0
        let metrics = try u16(hhea + 34), count = try u16(maxp + 4)
        var advances: [UInt16] = []
        for g in 0..<count { advances.append(UInt16(try u16(hmtx + 4 * min(g, metrics - 1)))) }
        self.advances = advances
        let longOffsets = try u16(head + 50) == 1
        var outlines: [(offset: Int, length: Int)] = []
        for g in 0..<count {
            let (from, to) = longOffsets ? (try u32(loca + 4 * g), try u32(loca + 4 * g + 4)) : (2 * (try u16(loca + 2 * g)), 2 * (try u16(loca + 2 * g + 2)))
            guard from <= to, to <= glyf.length else { throw Unreadable() }
            outlines.append((glyf.offset + from, to - from))
        }
        self.outlines = outlines
        self.tables = tables
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

    /// Whether the font draws the character (a space or a line break needs no glyph).
    func draws(_ scalar: Unicode.Scalar) -> Bool { glyphs[scalar.value] != nil || scalar == " " || scalar == "\n" }

    /// A glyph's advance in thousandths of the font size.
    func advance(_ glyph: UInt16) -> Double {
        Double(advances.indices.contains(Int(glyph)) ? advances[Int(glyph)] : 0) * 1000 / unitsPerEm
    }

    func width(_ text: String, size: Double) -> Double {
        text.unicodeScalars.reduce(0) { $0 + advance(glyph($1)) } * size / 1000
    }

    // MARK: Subsetting

    private func u16(_ o: Int) -> Int { Int(data[data.startIndex + o]) << 8 | Int(data[data.startIndex + o + 1]) }

    /// The glyphs a composite glyph is made of (an accented letter is often a letter and its marks).
    func components(of glyph: UInt16) -> [UInt16] {
        guard Int(glyph) < outlines.count else { return [] }
        let (offset, length) = outlines[Int(glyph)]
        guard length > 10, u16(offset) >= 0x8000 else { return [] }
        var out: [UInt16] = []
        var p = offset + 10
        while p + 4 <= offset + length {
            let flags = u16(p)
            out.append(UInt16(u16(p + 2)))
            p += 4 + (flags & 0x0001 != 0 ? 4 : 2)
            p += flags & 0x0008 != 0 ? 2 : flags & 0x0040 != 0 ? 4 : flags & 0x0080 != 0 ? 8 : 0
            if flags & 0x0020 == 0 { break }
        }
        return out
    }

    /// A font of only the glyphs given, renumbered in that order (the first must be glyph 0, the missing glyph;
    /// every component of a composite one must be among them): the outlines, their advances, the hinting
    /// programs, and the tables a PDF reader needs, nothing else. Vietnamese text draws some 150 glyphs of 2,300.
    /// `characters`: what each new glyph stands for, written into the subset's own character map (a PDF reader
    /// draws by glyph number; the map serves any program that opens the font itself).
    func subset(_ order: [UInt16], characters: [UInt16: Unicode.Scalar] = [:]) throws -> Data {
        let newID = Dictionary(order.enumerated().map { ($1, UInt16($0)) }, uniquingKeysWith: { first, _ in first })
        func be16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func table(_ tag: String) -> [UInt8]? {
            tables[tag].map { [UInt8](data[data.startIndex + $0.offset..<data.startIndex + $0.offset + $0.length]) }
        }
        var glyf: [UInt8] = [], loca: [UInt8] = be32(0), hmtx: [UInt8] = []
        for old in order {
            guard Int(old) < outlines.count else { throw Unreadable() }
            let (offset, length) = outlines[Int(old)]
            var outline = [UInt8](data[data.startIndex + offset..<data.startIndex + offset + length])
            if length > 10, u16(offset) >= 0x8000 {
                // A composite's components are named by their numbers: renumbered as the subset numbers them.
                var p = 10
                while p + 4 <= outline.count {
                    let flags = Int(outline[p]) << 8 | Int(outline[p + 1])
                    let component = UInt16(Int(outline[p + 2]) << 8 | Int(outline[p + 3]))
                    guard let renumbered = newID[component] else { throw Unreadable() }
                    outline.replaceSubrange(p + 2..<p + 4, with: be16(Int(renumbered)))
                    p += 4 + (flags & 0x0001 != 0 ? 4 : 2)
                    p += flags & 0x0008 != 0 ? 2 : flags & 0x0040 != 0 ? 4 : flags & 0x0080 != 0 ? 8 : 0
                    if flags & 0x0020 == 0 { break }
                }
            }
            glyf += outline
            while glyf.count % 4 != 0 { glyf.append(0) }
            loca += be32(glyf.count)
            let metrics = tables["hmtx"].map { $0.offset } ?? 0
            let longMetrics = tables["hhea"].map { u16($0.offset + 34) } ?? 1
            let advanceAt = metrics + 4 * min(Int(old), longMetrics - 1)
            let bearing = Int(old) < longMetrics ? metrics + 4 * Int(old) + 2 : metrics + 4 * longMetrics + 2 * (Int(old) - longMetrics)
            hmtx += be16(u16(advanceAt)) + be16(u16(bearing))
        }
        guard var head = table("head"), var hhea = table("hhea"), var maxp = table("maxp") else { throw Unreadable() }
        head.replaceSubrange(8..<12, with: be32(0))            // checkSumAdjustment, set below
        head.replaceSubrange(50..<52, with: be16(1))           // long offsets in loca
        hhea.replaceSubrange(34..<36, with: be16(order.count)) // every glyph has its own advance
        maxp.replaceSubrange(4..<6, with: be16(order.count))
        // Version 3 of `post`: no glyph names (a PDF reader takes the text from the document's own map).
        var post = table("post") ?? [UInt8](repeating: 0, count: 32)
        post = be32(0x0003_0000) + Array(post[4..<min(32, post.count)])
        while post.count < 32 { post.append(0) }
        // A character map of format 4, a segment a character (then the closing 0xFFFF).
        let mapped = characters.filter { $0.value.value < 0xFFFF }.map { (code: Int($0.value.value), glyph: Int($0.key)) }.sorted { $0.code < $1.code }
        var seen = Set<Int>()
        let segments = mapped.filter { seen.insert($0.code).inserted } + [(code: 0xFFFF, glyph: 0)]
        let n = segments.count
        var searchRange = 2, selector = 0
        while searchRange * 2 <= 2 * n { searchRange *= 2; selector += 1 }
        var format4 = be16(4) + be16(16 + 8 * n) + be16(0) + be16(2 * n) + be16(searchRange) + be16(selector) + be16(2 * n - searchRange)
        format4 += segments.flatMap { be16($0.code) } + be16(0) + segments.flatMap { be16($0.code) }
        format4 += segments.flatMap { be16($0.code == 0xFFFF ? 1 : ($0.glyph - $0.code) & 0xFFFF) } + segments.flatMap { _ in be16(0) }
        let cmap = be16(0) + be16(1) + be16(3) + be16(1) + be32(12) + format4
        var parts: [(String, [UInt8])] = [("head", head), ("hhea", hhea), ("maxp", maxp), ("hmtx", hmtx), ("loca", loca), ("glyf", glyf),
                                          ("post", post), ("cmap", cmap)]
        for tag in ["OS/2", "cvt ", "fpgm", "prep", "name"] { if let t = table(tag) { parts.append((tag, t)) } }
        parts.sort { $0.0 < $1.0 }
        func checksum(_ bytes: [UInt8]) -> UInt32 {
            var sum: UInt32 = 0
            for i in stride(from: 0, to: bytes.count, by: 4) {
                var word: UInt32 = 0
                for j in 0..<4 { word = word << 8 | UInt32(i + j < bytes.count ? bytes[i + j] : 0) }
                sum = sum &+ word
            }
            return sum
        }
        let count = parts.count
        var power = 1, log = 0
        while power * 2 <= count { power *= 2; log += 1 }
        var out = be32(0x0001_0000) + be16(count) + be16(power * 16) + be16(log) + be16(count * 16 - power * 16)
        var offset = 12 + 16 * count
        var body: [UInt8] = []
        var headAt = 0
        for (tag, bytes) in parts {
            out += Array(tag.utf8) + be32(Int(checksum(bytes))) + be32(offset) + be32(bytes.count)
            if tag == "head" { headAt = offset }
            var padded = bytes
            while padded.count % 4 != 0 { padded.append(0) }
            body += padded
            offset += padded.count
        }
        out += body
        let adjustment = 0xB1B0_AFBA &- checksum(out)
        out.replaceSubrange(headAt + 8..<headAt + 12, with: be32(Int(adjustment)))
        return Data(out)
    }
}

/// A PDF of pages laid out from the top: paragraphs that wrap (justified with a first-line indent where asked),
/// tables whose rows wrap and whose header repeats on each page, columns side by side (a Vietnamese document's
/// heading and signature block), page numbers centred in the top margin from page 2. Text is NFC, so each
/// Vietnamese letter is one glyph; each font is embedded with only the glyphs drawn, and carries a map back to
/// Unicode so that the text can be searched and copied (pdftotext reads it).
final class PDFDocument {
    enum Style: Int, CaseIterable { case regular = 0, bold = 1, italic = 2, boldItalic = 3 }
    enum Align { case left, center, right, justify }

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

    /// A font as this document uses it: the glyphs drawn, numbered in the order first drawn (0, the missing glyph,
    /// first), and the character each stands for.
    private struct Used {
        var order: [UInt16] = [0]
        var number: [UInt16: UInt16] = [0: 0]
        var text: [UInt16: Unicode.Scalar] = [:]
    }

    let fonts: [TrueTypeFont]
    let size: Size
    let margin: (top: Double, left: Double, bottom: Double, right: Double)
    /// The document's title and language, for its properties (and a screen reader).
    var title: String?
    var language = "vi-VN"
    /// Arabic page numbers, upright, centred in the top margin, from page 2 on (Decree 30/2020, Appendix I).
    var numberPages = false
    var pageNumberSize = 13.0
    /// Between the lines of a paragraph, as a share of the font size.
    var lineSpacing = 1.2
    private var pages: [String] = []
    private var current = ""
    private var used: [Used]
    /// Where the next line starts, from the page's foot.
    var y: Double = 0

    var width: Double { size.width - margin.left - margin.right }

    /// `fonts`: regular, bold, italic, bold italic (a style without its face falls back to the first).
    init(fonts: [TrueTypeFont], size: Size = .a4, margin: (top: Double, left: Double, bottom: Double, right: Double) = (56.7, 85, 56.7, 56.7)) {
        self.fonts = fonts
        self.size = size
        self.margin = margin
        used = fonts.map { _ in Used() }
        y = size.height - margin.top
    }

    func newPage() {
        pages.append(current)
        current = ""
        y = size.height - margin.top
        if numberPages {
            let number = String(pages.count + 1)
            let w = font(.regular).width(number, size: pageNumberSize)
            draw(number, x: (size.width - w) / 2, baseline: size.height - margin.top / 2 - pageNumberSize / 3, style: .regular, size: pageNumberSize)
        }
    }

    private func face(_ style: Style) -> Int { style.rawValue < fonts.count ? style.rawValue : 0 }
    func font(_ style: Style) -> TrueTypeFont { fonts[face(style)] }

    /// Room for `height` more points on this page, or a new page.
    func need(_ height: Double) {
        if y - height < margin.bottom { newPage() }
    }

    func space(_ points: Double) { y -= points }

    func leading(_ run: Run) -> Double { run.size * lineSpacing }

    /// The text's lines within `width` (the first `indent` narrower), broken at spaces; a word longer than a whole
    /// line is broken where it must be, and only then.
    func lines(_ run: Run, width: Double, indent: Double = 0) -> [String] {
        let f = font(run.style)
        var out: [String] = []
        for paragraph in run.text.precomposedStringWithCanonicalMapping.components(separatedBy: "\n") {
            var line = ""
            var room: Double { out.isEmpty ? width - indent : width }
            for word in paragraph.split(separator: " ", omittingEmptySubsequences: false).map(String.init) {
                let candidate = line.isEmpty ? word : line + " " + word
                if f.width(candidate, size: run.size) <= room { line = candidate; continue }
                if !line.isEmpty { out.append(line); line = "" }
                var piece = ""
                for ch in word {
                    if f.width(piece + String(ch), size: run.size) > room, !piece.isEmpty { out.append(piece); piece = "" }
                    piece.append(ch)
                }
                line = piece
            }
            out.append(line)
        }
        return out
    }

    /// The widest line of a run within `width`: how long the rule under a heading is drawn.
    func textWidth(_ run: Run, width: Double) -> Double {
        lines(run, width: width).map { font(run.style).width($0, size: run.size) }.max() ?? 0
    }

    /// The run set small enough to stand on one line of `width` (a signer's name is never broken), down to 8 points.
    func oneLine(_ run: Run, width: Double) -> Run {
        var out = run
        while out.size > 8, font(out.style).width(out.text, size: out.size) > width { out.size -= 0.5 }
        return out
    }

    /// The width of the longest word of a text: a column narrower than it would break the word.
    func widestWord(_ text: String, style: Style, size: Double) -> Double {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { font(style).width(String($0), size: size) }.max() ?? 0
    }

    /// Draws one line of text with its left edge at `x`.
    private func draw(_ text: String, x: Double, baseline: Double, style: Style, size: Double) {
        let i = face(style)
        let f = fonts[i]
        var hex = ""
        for scalar in text.unicodeScalars {
            let g = f.glyph(scalar)
            let n: UInt16
            if let known = used[i].number[g] {
                n = known
            } else {
                n = UInt16(used[i].order.count)
                used[i].order.append(g)
                used[i].number[g] = n
            }
            if g != 0, used[i].text[n] == nil { used[i].text[n] = scalar }
            hex += String(format: "%04X", n)
        }
        current += String(format: "BT /F%d %.2f Tf %.2f %.2f Td <%@> Tj ET\n", i + 1, size, x, baseline, hex)
    }

    /// One line in a column from `x` of `width`: aligned, or justified by spreading the words (`last`: a
    /// paragraph's last line is not spread).
    private func line(_ text: String, run: Run, x: Double, width: Double, baseline: Double, last: Bool) {
        let f = font(run.style)
        let w = f.width(text, size: run.size)
        switch run.align {
        case .left: draw(text, x: x, baseline: baseline, style: run.style, size: run.size)
        case .center: draw(text, x: x + (width - w) / 2, baseline: baseline, style: run.style, size: run.size)
        case .right: draw(text, x: x + width - w, baseline: baseline, style: run.style, size: run.size)
        case .justify:
            let words = text.split(separator: " ").map(String.init)
            guard !last, words.count > 1 else { draw(text, x: x, baseline: baseline, style: run.style, size: run.size); return }
            let gap = (width - words.reduce(0) { $0 + f.width($1, size: run.size) }) / Double(words.count - 1)
            var left = x
            for word in words {
                draw(word, x: left, baseline: baseline, style: run.style, size: run.size)
                left += f.width(word, size: run.size) + gap
            }
        }
    }

    /// Runs one under another in the column from `x` of `width`, from `top`; returns the baseline of the last line
    /// drawn (for a rule under it) and the height used.
    @discardableResult
    func stack(_ runs: [Run], x: Double, width: Double, top: Double) -> (lastBaseline: Double, height: Double) {
        var baseline = top
        var height = 0.0
        for run in runs {
            let lead = leading(run)
            for text in lines(run, width: width) {
                baseline = top - height - run.size
                line(text, run: run, x: x, width: width, baseline: baseline, last: true)
                height += lead
            }
        }
        return (baseline, height)
    }

    /// A paragraph across the page, onto the next page line by line as needed; `indent`: its first line's.
    func paragraph(_ run: Run, indent: Double = 0, after: Double = 6) {
        let lead = leading(run)
        let all = lines(run, width: width, indent: indent)
        for (i, text) in all.enumerated() {
            need(lead)
            let shift = i == 0 ? indent : 0
            line(text, run: run, x: margin.left + shift, width: width - shift, baseline: y - run.size, last: i == all.count - 1)
            y -= lead
        }
        y -= after
    }

    /// Columns side by side, each a list of runs, from the current height; the page continues below the longest.
    func columns(_ columns: [[Run]], widths: [Double]) {
        let heights = zip(columns, widths).map { runs, w in runs.reduce(0) { $0 + Double(lines($1, width: w * width).count) * leading($1) } }
        need(heights.max() ?? 0)
        var x = margin.left
        for (runs, w) in zip(columns, widths) {
            stack(runs, x: x, width: w * width, top: y)
            x += w * width
        }
        y -= heights.max() ?? 0
    }

    /// A solid rule of `length` centred on `center` (an absolute x), at the height `at`.
    func rule(center: Double, length: Double, at height: Double, weight: Double = 0.6) {
        current += String(format: "%.2f w %.2f %.2f m %.2f %.2f l S\n", weight, center - length / 2, height, center + length / 2, height)
    }

    /// A table with borders; `widths` are fractions of the page's width, widened where a word would not fit (a day
    /// is never broken inside its number); the header repeats on a new page, and the caption stays with the table.
    func table(caption: Run? = nil, header: [String], rows: [[String]], widths given: [Double], size: Double = 10.5, numeric: Set<Int> = []) {
        let pad = 3.0, lead = size * 1.25
        let widths = fitted(given, header: header, rows: rows, size: size, pad: pad)
        func height(_ cells: [String], _ style: Style) -> Double {
            let n = zip(cells, widths).map { lines(Run(text: $0, style: style, size: size), width: $1 * width - 2 * pad).count }.max() ?? 1
            return Double(n) * lead + 2 * pad
        }
        func row(_ cells: [String], _ style: Style) {
            let h = height(cells, style)
            var x = margin.left
            for (i, (cell, w)) in zip(cells, widths).enumerated() {
                let cw = w * width
                current += String(format: "0.5 w %.2f %.2f %.2f %.2f re S\n", x, y - h, cw, h)
                var baseline = y - pad - size
                for text in lines(Run(text: cell, style: style, size: size), width: cw - 2 * pad) {
                    let lw = font(style).width(text, size: size)
                    let left = numeric.contains(i) && style == .regular ? x + cw - pad - lw : x + pad
                    draw(text, x: left, baseline: baseline, style: style, size: size)
                    baseline -= lead
                }
                x += cw
            }
            y -= h
        }
        let captionHeight = caption.map { Double(lines($0, width: width).count) * leading($0) + 2 } ?? 0
        need(captionHeight + height(header, .bold) + (rows.first.map { height($0, .regular) } ?? 0))
        if let caption {
            stack([caption], x: margin.left, width: width, top: y)
            y -= captionHeight
        }
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

    /// Columns widened to their widest word (taken from the others in proportion to what they can spare).
    func fitted(_ widths: [Double], header: [String], rows: [[String]], size: Double, pad: Double) -> [Double] {
        let needed = widths.indices.map { i in
            ([header] + rows).map { i < $0.count ? widestWord($0[i], style: $0 == header ? .bold : .regular, size: size) : 0 }.max().map {
                ($0 + 2 * pad + 0.5) / width
            } ?? 0
        }
        var out = widths
        let short = zip(out, needed).reduce(0) { $0 + max(0, $1.1 - $1.0) }
        guard short > 0 else { return out }
        let spare = zip(out, needed).reduce(0) { $0 + max(0, $1.0 - $1.1) }
        guard spare >= short else { return out }
        for i in out.indices {
            out[i] = needed[i] > out[i] ? needed[i] : out[i] - (out[i] - needed[i]) * short / spare
        }
        return out
    }

    /// Text as a PDF string in UTF-16 (the properties' title).
    static func textString(_ s: String) -> String {
        "<FEFF" + s.utf16.map { String(format: "%04X", $0) }.joined() + ">"
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
        let catalog = add("<< /Type /Catalog /Pages 2 0 R /Lang (\(language)) >>")
        _ = add("") // the page tree, written once the pages are known
        var fontRefs: [Int] = []
        for (i, f) in fonts.enumerated() {
            // Every component of a composite glyph drawn comes along.
            var subset = used[i]
            var k = 0
            while k < subset.order.count {
                for c in f.components(of: subset.order[k]) where subset.number[c] == nil {
                    subset.number[c] = UInt16(subset.order.count)
                    subset.order.append(c)
                }
                k += 1
            }
            let bytes = try f.subset(subset.order, characters: subset.text)
            // A subset's name begins with a tag of six capitals of its own (ISO 32000-1, 9.6.4).
            let tag = String((0..<6).map { n in Character(UnicodeScalar(UInt8(65 + (i * 7 + n * 3 + subset.order.count) % 26))) })
            let name = tag + "+" + f.name
            let file = try add(stream: bytes, dictionary: "/Length1 \(bytes.count)")
            let s = 1000 / f.unitsPerEm
            let flags = 4 | (f.italicAngle != 0 ? 64 : 0) | 2
            let descriptor = add("""
                << /Type /FontDescriptor /FontName /\(name) /Flags \(flags) /FontBBox [\(f.bbox.map { String(Int(Double($0) * s)) }.joined(separator: " "))] \
                /ItalicAngle \(String(format: "%.1f", f.italicAngle)) /Ascent \(Int(Double(f.ascent) * s)) /Descent \(Int(Double(f.descent) * s)) \
                /CapHeight \(Int(Double(f.capHeight) * s)) /StemV 80 /FontFile2 \(file) 0 R >>
                """)
            let widths = subset.order.enumerated().map { "\($0.offset) [\(Int(f.advance($0.element).rounded()))]" }.joined(separator: " ")
            let cid = add("""
                << /Type /Font /Subtype /CIDFontType2 /BaseFont /\(name) /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> \
                /FontDescriptor \(descriptor) 0 R /CIDToGIDMap /Identity /DW 1000 /W [\(widths)] >>
                """)
            let toUnicode = try add(stream: Data(Self.toUnicode(subset.text).utf8))
            fontRefs.append(add("""
                << /Type /Font /Subtype /Type0 /BaseFont /\(name) /Encoding /Identity-H /DescendantFonts [\(cid) 0 R] /ToUnicode \(toUnicode) 0 R >>
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
        let info = add("<< " + (title.map { "/Title \(Self.textString($0)) " } ?? "") + "/Producer (ThiDua) >>")
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
        out.append(Data("trailer\n<< /Size \(objects.count + 1) /Root \(catalog) 0 R /Info \(info) 0 R >>\nstartxref\n\(xref)\n%%EOF\n".utf8))
        return out
    }

    /// What each glyph drawn stands for, so that the text reads back as Unicode.
    static func toUnicode(_ text: [UInt16: Unicode.Scalar]) -> String {
        var out = """
            /CIDInit /ProcSet findresource begin 12 dict begin begincmap /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def \
            /CMapName /Adobe-Identity-UCS def /CMapType 2 def 1 begincodespacerange <0000> <FFFF> endcodespacerange\n
            """
        let pairs = text.sorted { $0.key < $1.key }
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

/// The fonts shipped for documents: Liberation Serif, metrically the Times New Roman that Decree 30/2020 names (a line
/// breaks where it would in Times) and free to ship, with every Vietnamese letter and ₫; regular, bold, italic and
/// bold italic.
enum DocumentFonts {
    static func load(resources: String) throws -> [TrueTypeFont] {
        try ["Regular", "Bold", "Italic", "BoldItalic"].map { face in
            let path = (resources as NSString).appendingPathComponent("Fonts/LiberationSerif-\(face).ttf")
            guard let data = FileManager.default.contents(atPath: path) else { throw TrueTypeFont.Unreadable() }
            return try TrueTypeFont(name: "LiberationSerif-" + face, data: data)
        }
    }
}
