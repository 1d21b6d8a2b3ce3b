import Foundation
import Testing
@testable import App

@Suite("Site URLs: built in one place, never spelt in a template")
struct SiteURLTests {
    @Test("Paths and queries, escaped")
    func paths() {
        #expect(SiteURL.home.path == "/")
        #expect(SiteURL.units(date: nil).path == "/units")
        #expect(SiteURL.units(date: "2025-06-30").path == "/units?date=2025-06-30")
        #expect(SiteURL.unit("06808", date: nil).path == "/units/06808")
        #expect(SiteURL.movement("uong-bi-2024-2025").path == "/movements/uong-bi-2024-2025")
        #expect(SiteURL.movement("a/b c").path == "/movements/a%2Fb%20c")
        #expect(SiteURL.signIn(next: "/units?date=2025-06-30").path == "/sign-in?next=%2Funits%3Fdate%3D2025-06-30")
    }

    @Test("No template spells a path of the site")
    func templatesUseSiteURLs() throws {
        let views = URL(fileURLWithPath: resourcesDirectory).appendingPathComponent("Views")
        let files = try #require(FileManager.default.enumerator(at: views, includingPropertiesForKeys: nil))
        var offenders: [String] = []
        for case let file as URL in files where file.pathExtension == "leaf" {
            let text = try String(contentsOf: file, encoding: .utf8)
            for pattern in [#"href="/"#, #"action="/"#, #"src="/"#] where text.contains(pattern) {
                offenders.append("\(file.lastPathComponent): \(pattern)")
            }
        }
        #expect(offenders == [])
    }
}
