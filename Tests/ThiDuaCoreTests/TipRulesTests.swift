import Foundation
import Testing
@testable import ThiDuaCore

@Suite("Tips: receipt codes, statuses, the 24-hour flag, what a citizen sends, attachments, limits")
struct TipRulesTests {
    struct Fixed: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state
        }
    }

    @Test("A receipt code: 25 digits in five groups (83 bits); read back however it is typed")
    func receiptCode() throws {
        var g = Fixed(state: 7)
        let code = ReceiptCode.make(using: &g)
        #expect(code.count == 29)
        #expect(code.split(separator: "-").map(\.count) == [5, 5, 5, 5, 5])
        #expect(log2(pow(10.0, Double(ReceiptCode.digitCount))) >= 80)
        let digits = try #require(ReceiptCode.digits(of: code))
        #expect(ReceiptCode.display(digits) == code)
        #expect(ReceiptCode.digits(of: " 12345 67890.12345-67890 12345 ") == "1234567890123456789012345")
        #expect(ReceiptCode.digits(of: "１２３４５-67890-12345-67890-12345") == "1234567890123456789012345")
        #expect(ReceiptCode.digits(of: "12345-67890-12345-67890-1234") == nil)
        #expect(ReceiptCode.digits(of: "12345-67890-12345-67890-123456") == nil)
        #expect(ReceiptCode.digits(of: "12345-67890-12345-67890-1234a") == nil)
        #expect(ReceiptCode.digits(of: "") == nil)
        var other = Fixed(state: 8)
        #expect(ReceiptCode.make(using: &other) != code)
    }

    @Test("Statuses map onto the record's catalogue; the citizen sees no assignment or transfer")
    func statuses() {
        #expect(TipStatus.allCases.map(\.recordStatus) == ["received", "received", "verifying", "received", "verified", "rejected"])
        #expect(TipStatus.allCases.map(\.publicStatus) == ["received", "received", "verifying", "received", "resolved", "unfounded"])
        let catalogue = RecordKind.informationSource.filterFields["status"] ?? []
        #expect(TipStatus.allCases.allSatisfy { catalogue.contains($0.recordStatus) })
    }

    @Test("Actions: assign keeps verifying, transfer needs another commune, closed tips only reopen")
    func transitions() {
        let a = UUID(), b = UUID()
        #expect(TipRules.apply(.assign(a), to: .new, commune: a) == .success(.assigned))
        #expect(TipRules.apply(.assign(a), to: .verifying, commune: a) == .success(.verifying))
        #expect(TipRules.apply(.assign(a), to: .resolved, commune: a) == .failure(.init(key: "tips.error.closed")))
        #expect(TipRules.apply(.assign(a), to: .new, commune: nil) == .failure(.init(key: "tips.error.placeFirst")))
        #expect(TipRules.apply(.transfer(b), to: .assigned, commune: a) == .success(.transferred))
        #expect(TipRules.apply(.transfer(a), to: .assigned, commune: a) == .failure(.init(key: "tips.error.sameCommune")))
        #expect(TipRules.apply(.transfer(a), to: .new, commune: nil) == .success(.transferred))
        #expect(TipRules.apply(.setStatus(.resolved), to: .new, commune: a) == .success(.resolved))
        #expect(TipRules.apply(.setStatus(.assigned), to: .new, commune: a) == .failure(.init(key: "tips.error.transition")))
        #expect(TipRules.apply(.setStatus(.verifying), to: .unfounded, commune: a) == .success(.verifying))
        #expect(TipRules.apply(.setStatus(.resolved), to: .unfounded, commune: a) == .failure(.init(key: "tips.error.transition")))
        #expect(TipRules.apply(.setStatus(.verifying), to: .new, commune: nil) == .failure(.init(key: "tips.error.placeFirst")))
        #expect(TipRules.apply(.message("x"), to: .resolved, commune: a) == .success(.resolved))
    }

    @Test("Flagged after 24 hours without an officer; untouched, from the Vietnam day after it arrived")
    func attention() {
        let day = LocalDate(iso: "2025-03-10")!
        let midnight = VietnamTime.startOfDay(day)   // 2025-03-09T17:00Z
        // Untouched: not on its own day (23:59 Vietnam), flagged from 00:00 the next day.
        #expect(!TipRules.needsAttention(status: .new, receivedOn: day, lastOfficerAction: nil, now: midnight.addingTimeInterval(86399)))
        #expect(TipRules.needsAttention(status: .new, receivedOn: day, lastOfficerAction: nil, now: midnight.addingTimeInterval(86400)))
        #expect(TipRules.needsAttention(status: .transferred, receivedOn: day, lastOfficerAction: nil, now: midnight.addingTimeInterval(86400)))
        // Touched: 24 hours after the last action.
        let touched = midnight.addingTimeInterval(3600)
        #expect(!TipRules.needsAttention(status: .assigned, receivedOn: day, lastOfficerAction: touched, now: touched.addingTimeInterval(86399)))
        #expect(TipRules.needsAttention(status: .assigned, receivedOn: day, lastOfficerAction: touched, now: touched.addingTimeInterval(86400)))
        #expect(!TipRules.needsAttention(status: .resolved, receivedOn: day, lastOfficerAction: touched, now: touched.addingTimeInterval(9 * 86400)))
    }

    @Test("What a citizen sends: every problem at once; the day not in the future nor a year back")
    func draft() {
        let today = LocalDate(iso: "2025-03-10")!
        let ok = TipDraft(category: "drugs", description: "  Có người bán ma túy ở đầu ngõ 5  ", occurredOn: "2025-03-09",
                          time: "21:30", contact: "").check(today: today)
        #expect(ok.errors == [:])
        #expect(ok.description == "Có người bán ma túy ở đầu ngõ 5")
        #expect(ok.contact == nil)
        #expect(ok.occurredOn == LocalDate(iso: "2025-03-09"))
        let bad = TipDraft(category: "gossip", description: "ngắn", occurredOn: "2025-03-11", time: "25:00",
                           contact: String(repeating: "x", count: 201)).check(today: today)
        #expect(bad.errors == ["category": "field.notAllowed", "description": "tips.field.tooShort", "occurredOn": "field.future",
                               "time": "field.time", "contact": "field.tooLong"])
        #expect(TipDraft(category: "drugs", description: "Một việc xảy ra từ lâu", occurredOn: "2024-03-08").check(today: today).errors
            == ["occurredOn": "tips.field.tooOld"])
        #expect(TipDraft().check(today: today).errors == ["category": "field.required", "description": "field.required", "occurredOn": "field.required"])
        #expect(TipDraft.checkMessage("  ", required: true).1 == ["message": "field.required"])
    }

    static func jpeg(app1 payload: [UInt8]) -> [UInt8] {
        let app0: [UInt8] = [0xFF, 0xE0, 0x00, 0x10] + Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]
        let app1: [UInt8] = [0xFF, 0xE1, UInt8((payload.count + 2) >> 8), UInt8((payload.count + 2) & 0xFF)] + payload
        let com: [UInt8] = [0xFF, 0xFE, 0x00, 0x07] + Array("owner".utf8)
        let dqt: [UInt8] = [0xFF, 0xDB, 0x00, 0x04, 0x00, 0x01]
        let sos: [UInt8] = [0xFF, 0xDA, 0x00, 0x04, 0x01, 0x00, 0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD9]
        return [0xFF, 0xD8] + app0 + app1 + com + dqt + sos
    }

    @Test("A JPEG loses its Exif (GPS), XMP and comments; its image data stays byte for byte")
    func jpegStripped() throws {
        let gps = Array("Exif\0\0GPS 21.0345N 106.7808E".utf8)
        let file = Self.jpeg(app1: gps)
        guard case .success(let (kind, clean)) = Attachment.clean(file) else { Issue.record("refused"); return }
        #expect(kind == .jpeg)
        let text = String(decoding: clean, as: UTF8.self)
        #expect(!text.contains("GPS") && !text.contains("owner"))
        #expect(text.contains("JFIF"))
        #expect(Array(clean.suffix(13)) == Array(file.suffix(13)))
        #expect(clean.count == file.count - (gps.count + 4) - 9)
    }

    @Test("A photo taken sideways keeps its orientation, and nothing else of its Exif")
    func jpegOrientation() throws {
        // Exif, little-endian: IFD0 with the orientation (6: turned right) and a GPS pointer, then GPS text.
        var tiff: [UInt8] = Array("II".utf8) + [42, 0, 8, 0, 0, 0] + [2, 0]
        tiff += [0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]
        tiff += [0x25, 0x88, 4, 0, 1, 0, 0, 0, 38, 0, 0, 0] + [0, 0, 0, 0]
        tiff += Array("GPS 21.0345N 106.7808E".utf8)
        let file = Self.jpeg(app1: Array("Exif".utf8) + [0, 0] + tiff)
        guard case .success(let (_, clean)) = Attachment.clean(file) else { Issue.record("refused"); return }
        #expect(!String(decoding: clean, as: UTF8.self).contains("GPS"))
        let app1 = try #require(clean.indices.first { clean[$0] == 0xFF && clean[$0 + 1] == 0xE1 })
        #expect(Attachment.exifOrientation(clean[app1...]) == 6)
        // An upright photo (orientation 1, or none) gets no Exif at all.
        let upright = Self.jpeg(app1: Array("Exif".utf8) + [0, 0] + Array("II".utf8) + [42, 0, 8, 0, 0, 0] + [1, 0]
                                + [0x12, 0x01, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0] + [0, 0, 0, 0])
        guard case .success(let (_, plain)) = Attachment.clean(upright) else { Issue.record("refused"); return }
        #expect(!plain.indices.dropLast().contains { plain[$0] == 0xFF && plain[$0 + 1] == 0xE1 })
    }

    @Test("PNG text and Exif chunks go; WebP EXIF goes and its size is right; video metadata becomes free space")
    func otherKinds() throws {
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let n = data.count
            return [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + Array(type.utf8) + data + [0, 0, 0, 0]
        }
        let png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", Array(repeating: 1, count: 13))
            + chunk("eXIf", Array("GPS-canary".utf8)) + chunk("tEXt", Array("Author\0me".utf8)) + chunk("IDAT", [1, 2, 3]) + chunk("IEND", [])
        guard case .success(let (pk, pclean)) = Attachment.clean(png) else { Issue.record("png refused"); return }
        #expect(pk == .png)
        #expect(pclean.count == png.count - 22 - 21)
        #expect(!String(decoding: pclean, as: UTF8.self).contains("canary"))

        func riff(_ t: String, _ d: [UInt8]) -> [UInt8] {
            let n = d.count
            return Array(t.utf8) + [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), 0, 0] + d + (n % 2 == 1 ? [0] : [])
        }
        let webpBody = Array("WEBP".utf8) + riff("VP8X", [0x0C] + Array(repeating: 0, count: 9)) + riff("VP8 ", [9, 9, 9, 9])
            + riff("EXIF", Array("GPS-canary".utf8))
        let webp = Array("RIFF".utf8) + [UInt8(webpBody.count), 0, 0, 0] + webpBody
        guard case .success(let (wk, wclean)) = Attachment.clean(webp) else { Issue.record("webp refused"); return }
        #expect(wk == .webp)
        #expect(!String(decoding: wclean, as: UTF8.self).contains("canary"))
        #expect(Int(wclean[4]) == wclean.count - 8)
        #expect(wclean[20] == 0)  // VP8X flags: no EXIF, no XMP

        func box(_ t: String, _ d: [UInt8]) -> [UInt8] {
            let n = d.count + 8
            return [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + Array(t.utf8) + d
        }
        let mp4 = box("ftyp", Array("isom".utf8) + [0, 0, 2, 0]) + box("moov", box("mvhd", [1, 2]) + box("udta", box("©xyz", Array("+21.03+106.78/".utf8)))
            + box("trak", box("meta", Array("Apple iPhone".utf8)))) + box("mdat", [7, 7, 7])
        guard case .success(let (mk, mclean)) = Attachment.clean(mp4) else { Issue.record("mp4 refused"); return }
        #expect(mk == .mp4)
        #expect(mclean.count == mp4.count)
        let mtext = String(decoding: mclean, as: UTF8.self)
        #expect(!mtext.contains("+21.03") && !mtext.contains("iPhone") && mtext.contains("free"))
        #expect(Array(mclean.suffix(3)) == [7, 7, 7])
    }

    @Test("Types come from the content: a disguised, empty, oversized or damaged file is refused")
    func refused() {
        #expect(Attachment.sniff(Array("%PDF-1.7\n...".utf8)) == .pdf)
        #expect(Attachment.clean(Array("<script>alert(1)</script>".utf8)).failure == .unknownType)
        #expect(Attachment.clean(Array("MZ\u{90}\0 a program".utf8)).failure == .unknownType)
        #expect(Attachment.clean([]).failure == .empty)
        #expect(Attachment.clean([0xFF, 0xD8, 0xFF] + Array(repeating: 0, count: Attachment.maximumBytes)).failure == .tooLarge)
        #expect(Attachment.clean([0xFF, 0xD8, 0xFF, 0xE1, 0x40, 0x00, 1, 2]).failure == .damaged)
        // A HEIF photo is an ISO file, but not one whose metadata this reader rewrites.
        #expect(Attachment.clean([0, 0, 0, 24] + Array("ftypheic".utf8) + Array(repeating: 0, count: 16)).failure == .unknownType)
    }

    @Test("Trusted proxies: the peer unless trusted; then the rightmost address not trusted; spoofed hops on the left ignored")
    func trustedProxies() throws {
        let none = TrustedProxies()
        #expect(none.isEmpty && none.client(peer: "127.0.0.1", forwardedFor: ["198.51.100.7"]) == "127.0.0.1")
        let local = try #require(TrustedProxies("127.0.0.1, ::1"))
        #expect(local.client(peer: "127.0.0.1", forwardedFor: ["198.51.100.7"]) == "198.51.100.7")
        #expect(local.client(peer: "::1", forwardedFor: ["1.2.3.4, 198.51.100.7"]) == "198.51.100.7")
        #expect(local.client(peer: "203.0.113.5", forwardedFor: ["198.51.100.7"]) == "203.0.113.5")
        // Two layers: a load balancer in 10.0.0.0/8 before nginx on the machine; two header lines read as one list.
        let two = try #require(TrustedProxies("127.0.0.1,10.0.0.0/8"))
        #expect(two.client(peer: "127.0.0.1", forwardedFor: ["6.6.6.6, 198.51.100.7", "10.1.2.3"]) == "198.51.100.7")
        #expect(two.contains("10.255.0.1") && !two.contains("11.0.0.1") && !two.contains("10.0.0"))
        // Every hop trusted, or no header: the peer.
        #expect(two.client(peer: "127.0.0.1", forwardedFor: ["10.0.0.2"]) == "127.0.0.1")
        #expect(two.client(peer: "127.0.0.1", forwardedFor: []) == "127.0.0.1")
        #expect(TrustedProxies("localhost") == nil && TrustedProxies("10.0.0.0/33") == nil && TrustedProxies("300.1.1.1") == nil)
    }

    @Test("Limits count per key in fixed windows and say when to come back")
    func limits() {
        var c = WindowCounter(limit: 2, window: 60)
        #expect(c.take("a", now: 0) == nil)
        #expect(c.take("a", now: 10) == nil)
        #expect(c.take("a", now: 20) == 40)
        #expect(c.take("b", now: 20) == nil)
        #expect(c.take("a", now: 60) == nil)
        c.reset()
        #expect(c.take("a", now: 61) == nil)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let e) = self { return e }
        return nil
    }
}
