import Foundation
import Testing
@testable import App

@Suite("Documents' fonts: Liberation Serif draws all of Vietnamese, embedded with only the glyphs used")
struct PDFTests {
    @Test("A subset reads back as a font of its own: its glyphs renumbered, an accented letter's parts with it, the advances kept")
    func subset() throws {
        let fonts = try DocumentFonts.load(resources: resourcesDirectory)
        #expect(fonts.map(\.name) == ["LiberationSerif-Regular", "LiberationSerif-Bold", "LiberationSerif-Italic", "LiberationSerif-BoldItalic"])
        let letters = "ỆệƯưĐđẫ₫ Nguyễn"
        for font in fonts {
            #expect(letters.unicodeScalars.allSatisfy(font.draws), "\(font.name)")
            #expect(!font.draws("😀") && !font.draws("☎"))
            var order: [UInt16] = [0]
            for s in letters.unicodeScalars where !order.contains(font.glyph(s)) { order.append(font.glyph(s)) }
            var k = 0
            while k < order.count {
                for c in font.components(of: order[k]) where !order.contains(c) { order.append(c) }
                k += 1
            }
            var characters: [UInt16: Unicode.Scalar] = [:]
            for s in letters.unicodeScalars where s != " " { characters[UInt16(order.firstIndex(of: font.glyph(s)) ?? 0)] = s }
            let bytes = try font.subset(order, characters: characters)
            #expect(bytes.count < font.data.count / 10, "\(font.name): \(bytes.count) of \(font.data.count) bytes")
            let back = try TrueTypeFont(name: font.name, data: bytes)
            for (new, old) in order.enumerated() {
                #expect(back.advance(UInt16(new)) == font.advance(old))
                // A composite's parts are numbered as the subset numbers them, every one within it.
                #expect(back.components(of: UInt16(new)).allSatisfy { Int($0) < order.count })
                #expect(back.components(of: UInt16(new)).map { order[Int($0)] } == font.components(of: old))
            }
            // Its own character map leads each letter to its new glyph.
            for s in letters.unicodeScalars where s != " " { #expect(order[Int(back.glyph(s))] == font.glyph(s), "\(s)") }
            #expect(back.width("Nguyễn", size: 13) == font.width("Nguyễn", size: 13))
        }
    }
}
