import Foundation
import Testing
import ThiDuaCore
@testable import App

/// Files made the way cameras, phones and PDF writers make them (ImageMagick, ExifTool, FFmpeg, Ghostscript from
/// Debian), each carrying canaries where metadata hides, rebuilt by the server's own `Rebuilder`.
@Suite("A citizen's files made anew: nothing the camera, phone or PDF writer put in them survives", .serialized)
struct RebuildTests {
    /// Runs a program; what it printed. Fails the test when it cannot be run or ends badly.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String], in folder: String) async throws -> String {
        // Waited for on a thread of Dispatch's, not one of the few the whole suite's async tests share.
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<String, any Error>) in
            DispatchQueue.global().async {
                do { done.resume(returning: try Self.runBlocking(tool, arguments, in: folder)) } catch { done.resume(throwing: error) }
            }
        }
    }

    static func runBlocking(_ tool: String, _ arguments: [String], in folder: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [tool] + arguments
        p.currentDirectoryURL = URL(fileURLWithPath: folder)
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw TestFailure(description: "\(tool) \(arguments.joined(separator: " ")) ended with \(p.terminationStatus)") }
        return String(decoding: data, as: UTF8.self)
    }

    static func folder() throws -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("thidua-rebuild-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func bytes(_ folder: String, _ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: URL(fileURLWithPath: (folder as NSString).appendingPathComponent(name))))
    }

    static func write(_ bytes: [UInt8], _ folder: String, _ name: String) throws -> String {
        let path = (folder as NSString).appendingPathComponent(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
        Data(haystack).range(of: Data(needle.utf8)) != nil
    }

    /// What ExifTool reads in a file, every group.
    static func exif(_ bytes: [UInt8], in folder: String) async throws -> String {
        let path = try write(bytes, folder, "check-\(UUID().uuidString)")
        return try await run("exiftool", ["-a", "-G1", "-u", "--System:all", path], in: folder)
    }

    static func rebuilt(_ bytes: [UInt8], _ rebuilder: Rebuilder) async throws -> (AttachmentKind, [UInt8]) {
        switch await rebuilder.rebuilt(bytes) {
        case .success(let made): return made
        case .failure(let problem): throw TestFailure(description: "refused: \(problem)")
        }
    }

    /// A PNG chunk with its CRC.
    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in Array(type.utf8) + data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        crc ^= 0xFFFF_FFFF
        let n = UInt32(data.count)
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        return be(n) + Array(type.utf8) + data + be(crc)
    }

    @Test("A phone's JPEG: a second image after the first, Exif between progressive scans, any APP0; sideways turned upright")
    func jpeg() async throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rebuilder = Rebuilder(dataDirectory: dir)
        try await Self.run("convert", ["-size", "64x48", "gradient:red-blue", "-quality", "90", "first.jpg"], in: dir)
        try await Self.run("exiftool", ["-q", "-overwrite_original", "-GPSLatitude=21.0345", "-GPSLatitudeRef=N", "-GPSLongitude=106.7808",
                                  "-GPSLongitudeRef=E", "-Model=CANARYMODEL", "-SerialNumber=CANARYSERIAL", "-OwnerName=CANARYOWNER",
                                  "-Orientation#=6", "first.jpg"], in: dir)
        // The second image (an HDR gain map, a Motion Photo's frame, an MPF preview) with its own GPS and owner.
        try await Self.run("convert", ["-size", "32x24", "xc:green", "second.jpg"], in: dir)
        try await Self.run("exiftool", ["-q", "-overwrite_original", "-GPSLatitude=21.5", "-OwnerName=CANARYSECOND", "second.jpg"], in: dir)
        let phone = try Self.bytes(dir, "first.jpg") + Self.bytes(dir, "second.jpg")
        #expect(Self.contains(phone, "CANARYSECOND") && Self.contains(phone, "CANARYSERIAL"))
        let (kind, made) = try await Self.rebuilt(phone, rebuilder)
        #expect(kind == .jpeg)
        for canary in ["CANARYMODEL", "CANARYSERIAL", "CANARYOWNER", "CANARYSECOND", "Exif", "http://ns.adobe.com"] {
            #expect(!Self.contains(made, canary), "\(canary) survived")
        }
        let told = try await Self.exif(made, in: dir)
        #expect(!told.contains("GPS") && !told.contains("Orientation") && !told.contains("MPF"))
        // Upright by its pixels: 64 × 48 taken sideways is 48 × 64; one image, ending where it ends.
        #expect(ImagePDF.jpegSize(made).map { [$0.width, $0.height] } == [48, 64])
        #expect(Array(made.suffix(2)) == [0xFF, 0xD9] && made.indices.dropLast().filter { made[$0] == 0xFF && made[$0 + 1] == 0xD8 }.count == 1)

        // Progressive, with an Exif segment slipped between its scans, and an APP0 that is not JFIF.
        try await Self.run("convert", ["-size", "64x48", "plasma:", "-interlace", "JPEG", "prog.jpg"], in: dir)
        var prog = try Self.bytes(dir, "prog.jpg")
        let scans = prog.indices.dropLast().filter { prog[$0] == 0xFF && prog[$0 + 1] == 0xDA }
        #expect(scans.count >= 2)
        let exif = Array("Exif\0\0MM\0*\0\0\0\u{8}CANARYBETWEENSCANS".utf8)
        let app1: [UInt8] = [0xFF, 0xE1, UInt8((exif.count + 2) >> 8), UInt8((exif.count + 2) & 0xFF)] + exif
        prog.insert(contentsOf: app1, at: scans[1])
        let app0payload = Array("CANARYAPP0 owner".utf8)
        prog.insert(contentsOf: [0xFF, 0xE0, 0, UInt8(app0payload.count + 2)] + app0payload, at: 2)
        let (_, cleanProg) = try await Self.rebuilt(prog, rebuilder)
        #expect(!Self.contains(cleanProg, "CANARYBETWEENSCANS") && !Self.contains(cleanProg, "CANARYAPP0"))
        #expect(ImagePDF.jpegSize(cleanProg).map { [$0.width, $0.height] } == [64, 48])
    }

    @Test("A PNG's private chunks, C2PA manifest, text and ICC profile name go; WebP's Exif and XMP go")
    func pngAndWebP() async throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rebuilder = Rebuilder(dataDirectory: dir)
        try await Self.run("convert", ["-size", "40x30", "gradient:white-black", "plain.png"], in: dir)
        let plain = try Self.bytes(dir, "plain.png")
        // After the header (8 bytes) and IHDR (25): chunks a program of ours would never write.
        let extra = Self.chunk("prVt", Array("CANARYPRIVATE".utf8)) + Self.chunk("caBX", Array("CANARYC2PA manifest".utf8))
            + Self.chunk("tEXt", Array("Author\0CANARYTEXT".utf8))
        let png = Array(plain[0..<33]) + extra + Array(plain[33...])
        let (kind, made) = try await Self.rebuilt(png, rebuilder)
        #expect(kind == .png)
        for canary in ["CANARYPRIVATE", "CANARYC2PA", "CANARYTEXT", "caBX", "prVt", "tEXt", "iCCP"] {
            #expect(!Self.contains(made, canary), "\(canary) survived")
        }

        try await Self.run("convert", ["-size", "40x30", "gradient:red-green", "-quality", "80", "photo.webp"], in: dir)
        try await Self.run("exiftool", ["-q", "-overwrite_original", "-Artist=CANARYWEBP", "-XMP-dc:Creator=CANARYXMP", "photo.webp"], in: dir)
        let webp = try Self.bytes(dir, "photo.webp")
        #expect(Self.contains(webp, "CANARYWEBP") && Self.contains(webp, "CANARYXMP"))
        let (wkind, wmade) = try await Self.rebuilt(webp, rebuilder)
        #expect(wkind == .webp && !Self.contains(wmade, "CANARYWEBP") && !Self.contains(wmade, "CANARYXMP"))
    }

    @Test("A video keeps its picture and sound only: no capture times, GPS subtitle track, title or handler")
    func video() async throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rebuilder = Rebuilder(dataDirectory: dir)
        try "1\n00:00:00,000 --> 00:00:01,000\nCANARYGPS 21.0345N 106.7808E\n".write(toFile: (dir as NSString).appendingPathComponent("gps.srt"),
                                                                                     atomically: true, encoding: .utf8)
        try await Self.run("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-f", "lavfi", "-i", "sine=frequency=440",
                                "-i", "gps.srt", "-t", "1", "-map", "0", "-map", "1", "-map", "2", "-c:v", "mpeg4", "-c:a", "aac",
                                "-c:s", "mov_text", "-metadata", "creation_time=2024-07-15T10:11:12Z", "-metadata", "title=CANARYTITLE",
                                "-metadata", "location=+21.0345+106.7808/", "-metadata:s:v", "handler_name=CANARYHANDLER",
                                "-metadata:s:v", "creation_time=2024-07-15T10:11:12Z", "phone.mp4"], in: dir)
        let phone = try Self.bytes(dir, "phone.mp4")
        #expect(try await Self.exif(phone, in: dir).contains("2024:07:15 10:11:12"))
        let (kind, made) = try await Self.rebuilt(phone, rebuilder)
        #expect(kind == .mp4)
        for canary in ["CANARYGPS", "CANARYTITLE", "CANARYHANDLER", "+21.0345", "Lavf"] {
            #expect(!Self.contains(made, canary), "\(canary) survived")
        }
        let told = try await Self.exif(made, in: dir)
        #expect(!told.contains("2024:07:15") && !told.contains("2026:") && !told.contains("GPS"), "\(told)")
        let path = try Self.write(made, dir, "made.mp4")
        let streams = try await Self.run("ffprobe", ["-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0", path], in: dir)
        #expect(streams.split(separator: "\n").map(String.init) == ["video", "audio"])
    }

    @Test("A PDF becomes pictures of its pages: no author, program, dates, XMP, document id or photo's GPS; over 20 pages refused")
    func pdf() async throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rebuilder = Rebuilder(dataDirectory: dir)
        let ps = """
            [ /Author (CANARYAUTHOR) /Creator (CANARYCREATOR) /Title (CANARYTITLE) /DOCINFO pdfmark
            /Helvetica findfont 24 scalefont setfont 72 700 moveto (Tin bao so 1) show showpage
            72 700 moveto (Trang hai) show showpage
            """
        try ps.write(toFile: (dir as NSString).appendingPathComponent("doc.ps"), atomically: true, encoding: .utf8)
        try await Self.run("gs", ["-q", "-dNOPAUSE", "-dBATCH", "-sDEVICE=pdfwrite", "-sPAPERSIZE=a4", "-dFIXEDMEDIA", "-sOutputFile=doc.pdf", "doc.ps"], in: dir)
        let sent = try Self.bytes(dir, "doc.pdf")
        #expect(Self.contains(sent, "CANARYAUTHOR") && Self.contains(sent, "CreationDate"))
        let (kind, made) = try await Self.rebuilt(sent, rebuilder)
        #expect(kind == .pdf)
        for canary in ["CANARYAUTHOR", "CANARYCREATOR", "CANARYTITLE", "CreationDate", "Producer", "/ID", "Metadata", "/JavaScript", "/EmbeddedFile"] {
            #expect(!Self.contains(made, canary), "\(canary) survived")
        }
        let path = try Self.write(made, dir, "made.pdf")
        let info = try await Self.run("pdfinfo", [path], in: dir)
        #expect(info.contains("Pages:           2") && !info.contains("Author") && !info.contains("Creator"))
        // A4 drawn at 120 dpi and placed back at 72 points an inch: the page keeps its size.
        let size = try #require(info.firstMatch(of: /Page size:\s+([0-9.]+) x ([0-9.]+) pts/))
        #expect(abs((Double(size.1) ?? 0) - 595) < 1 && abs((Double(size.2) ?? 0) - 842) < 1, "\(info)")

        // A photo with its GPS inside a PDF (a scan, a phone's "print to PDF").
        try await Self.run("convert", ["-size", "64x48", "xc:blue", "inner.jpg"], in: dir)
        try await Self.run("exiftool", ["-q", "-overwrite_original", "-GPSLatitude=21.0345", "-OwnerName=CANARYINNER", "inner.jpg"], in: dir)
        let inner = try #require(ImagePDF.make(pages: [try Self.bytes(dir, "inner.jpg")], resolution: 72))
        #expect(Self.contains(inner, "CANARYINNER"))
        let (_, innerMade) = try await Self.rebuilt(inner, rebuilder)
        #expect(!Self.contains(innerMade, "CANARYINNER") && !Self.contains(innerMade, "Exif"))

        let long = (1...21).map { "72 700 moveto (Trang \($0)) show showpage" }.joined(separator: "\n")
        try ("/Helvetica findfont 24 scalefont setfont\n" + long).write(toFile: (dir as NSString).appendingPathComponent("long.ps"), atomically: true, encoding: .utf8)
        try await Self.run("gs", ["-q", "-dNOPAUSE", "-dBATCH", "-sDEVICE=pdfwrite", "-sOutputFile=long.pdf", "long.ps"], in: dir)
        #expect(await rebuilder.rebuilt(try Self.bytes(dir, "long.pdf")).failure == .tooManyPages)
    }

    @Test("Damaged files are refused; a server without the tools refuses the kinds it cannot rebuild; no work is left behind")
    func refusals() async throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let rebuilder = Rebuilder(dataDirectory: dir)
        try await Self.run("convert", ["-size", "64x48", "xc:red", "whole.jpg"], in: dir)
        let whole = try Self.bytes(dir, "whole.jpg")
        #expect(await rebuilder.rebuilt(Array(whole.prefix(40))).failure == .damaged)
        #expect(await rebuilder.rebuilt(Array("%PDF-1.4 not really".utf8)).failure == .damaged)
        #expect(await rebuilder.rebuilt([0, 0, 0, 24] + Array("ftypisom".utf8) + Array(repeating: 0, count: 64)).failure == .damaged)
        #expect(await rebuilder.rebuilt(Array("<script>".utf8)).failure == .unknownType)
        let bare = Rebuilder(dataDirectory: dir, searchPath: "/nonexistent")
        #expect(bare.kinds.isEmpty && bare.missing.count == Rebuild.Tool.allCases.count)
        #expect(await bare.rebuilt(whole).failure == .unavailable)
        let work = (dir as NSString).appendingPathComponent(Rebuilder.folder)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: work)) ?? []).isEmpty)
    }

    @Test("A data folder named relative to the current directory (the default ./data): files are rebuilt, not refused as damaged")
    func relativeDataFolder() async throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The same folder, named from the current directory up to the root and down again.
        let depth = FileManager.default.currentDirectoryPath.split(separator: "/").count
        let relative = String(repeating: "../", count: depth) + dir.drop { $0 == "/" }
        let rebuilder = Rebuilder(dataDirectory: relative)
        #expect(rebuilder.work == (dir as NSString).appendingPathComponent(Rebuilder.folder))
        try await Self.run("convert", ["-size", "64x48", "xc:red", "whole.jpg"], in: dir)
        let (kind, made) = try await Self.rebuilt(try Self.bytes(dir, "whole.jpg"), rebuilder)
        #expect(kind == .jpeg && ImagePDF.jpegSize(made).map { [$0.width, $0.height] } == [64, 48])
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let f) = self { return f }
        return nil
    }
}
