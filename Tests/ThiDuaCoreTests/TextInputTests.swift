import Testing
@testable import ThiDuaCore

@Suite("Text a person sends: one rule for every field")
struct TextInputTests {
    @Test("Control characters are refused, tab and line ends kept; each said by its code and short name")
    func controls() {
        #expect(TextInput.forbidden(in: "Tổ 5, khu 3\tngõ 2\r\nĐồng Lá") == nil)
        #expect(TextInput.forbidden(in: "") == nil)
        // Letters beside the controls' ranges: U+00A0 (no-break space) and U+00C0 (À) are text.
        #expect(TextInput.forbidden(in: "\u{A0}À\u{200B}") == nil)
        for (text, code) in [("a\u{0}b", "U+0000 (NUL)"), ("ting\u{7}", "U+0007 (BEL)"), ("\u{1B}[31m", "U+001B (ESC)"),
                             ("dòng\u{85}mới", "U+0085 (NEL)"), ("x\u{7F}", "U+007F (DEL)"), ("\u{9F}", "U+009F"),
                             ("\u{1F}", "U+001F"), ("a\u{B}b", "U+000B (VT)")] {
            let found = TextInput.forbidden(in: text)
            #expect(found.map(TextInput.describe) == code, "\(code)")
        }
        // The first one found is said.
        #expect(TextInput.forbidden(in: "a\u{1B}b\u{7}") == "\u{1B}")
    }
}
