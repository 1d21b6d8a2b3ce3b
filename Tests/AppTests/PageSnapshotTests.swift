import Foundation
import Testing
import ThiDuaCore
import Vapor
@testable import App

/// Renders a page's context with the real templates, without a database or a request, and compares the HTML with
/// the copy kept in `__Snapshots__/PageSnapshotTests/<name>.html`. A missing copy (or `SNAPSHOT_RECORD=1`) is
/// written and the test fails, so a new or changed page is looked at before it is kept.
func assertPageSnapshot(_ context: some Encodable & Sendable, template: String, named name: String,
                        sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let app = try await Application.make(.testing)
    app.localizer = try Localizer(directory: resourcesDirectory + "/Localization")
    useViews(app, resources: resourcesDirectory)
    let html: String
    do {
        let view = try await app.view.render(template, context).get()
        html = String(buffer: view.data)
        try await app.asyncShutdown()
    } catch {
        try? await app.asyncShutdown()
        throw error
    }
    // Every page stays light on a phone.
    #expect(html.utf8.count < 100_000, "\(name) is \(html.utf8.count) bytes", sourceLocation: sourceLocation)
    #expect(!html.contains("<script"), "\(name) has a script", sourceLocation: sourceLocation)
    let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("__Snapshots__/PageSnapshotTests")
    let file = folder.appendingPathComponent(name + ".html")
    let record = ProcessInfo.processInfo.environment["SNAPSHOT_RECORD"] == "1"
    guard !record, let stored = try? String(contentsOf: file, encoding: .utf8) else {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try html.write(to: file, atomically: true, encoding: .utf8)
        Issue.record("Recorded the snapshot \(name); check it and run again", sourceLocation: sourceLocation)
        return
    }
    if stored != html {
        let a = stored.split(separator: "\n", omittingEmptySubsequences: false)
        let b = html.split(separator: "\n", omittingEmptySubsequences: false)
        let line = Array(zip(a, b)).firstIndex { $0.0 != $0.1 } ?? min(a.count, b.count)
        Issue.record("""
            \(name) differs from its snapshot from line \(line + 1):
            - \(line < a.count ? String(a[line]) : "(end)")
            + \(line < b.count ? String(b[line]) : "(end)")
            (SNAPSHOT_RECORD=1 writes the new one)
            """, sourceLocation: sourceLocation)
    }
}

/// Three wards of one province, with facts chosen by hand, under the shipped plan.
struct SnapshotFixture {
    let plan: Plan
    let graph: UnitGraph
    let province = UUID(uuidString: "00000000-0000-4000-8000-000000000001")!
    let wards: [UUID] = (2...4).map { UUID(uuidString: "00000000-0000-4000-8000-00000000000\($0)")! }
    let village = UUID(uuidString: "00000000-0000-4000-8000-000000000010")!
    let localizer: Localizer

    init() throws {
        plan = try PlanLoader.load(yaml: try String(contentsOfFile: resourcesDirectory + "/Plans/uong-bi-2024-2025.yaml", encoding: .utf8))
        localizer = try Localizer(directory: resourcesDirectory + "/Localization")
        let start = LocalDate(iso: "2020-01-01")!
        var units = [UnitInfo(id: province, code: "22", level: .province, kind: "tỉnh", name: "Quảng Ninh", validFrom: start)]
        var links: [ParentLink] = []
        for (i, name) in ["Uông Bí", "Vàng Danh", "Yên Tử"].enumerated() {
            units.append(UnitInfo(id: wards[i], code: "0681\(i)", level: .commune, kind: "phường", name: name,
                                  population: 40_000 + 1000 * i, validFrom: start))
            links.append(ParentLink(unitID: wards[i], parentID: province, validFrom: start))
        }
        units.append(UnitInfo(id: village, level: .village, kind: "khu", name: "Vàng Danh 3", validFrom: start))
        links.append(ParentLink(unitID: village, parentID: wards[1], validFrom: start))
        graph = UnitGraph(units: units, links: links, successions: [])
    }

    func text(_ language: Language = .vi) -> Translator { Translator(localizer: localizer, language: language) }

    func chrome(_ title: String, _ language: Language = .vi, signedIn: Bool = true) -> PageChrome {
        PageChrome(lang: language.rawValue, title: title, csrf: "csrf-token", path: "/x",
                   account: signedIn ? .init(displayName: "Thường trực BCĐ 138/UB", username: "thuongtruc", role: "Thường trực BCĐ") : nil,
                   otherLanguage: language == .vi ? "en" : "vi", otherLanguageName: language == .vi ? "English" : "Tiếng Việt")
    }

    var phase: Phase { plan.phases[1] }

    /// Each ward's facts: the numbers differ so that every status shows somewhere.
    func facts(scale: Double) -> [UnitFacts] {
        wards.enumerated().compactMap { i, id in
            guard let unit = graph.units[id] else { return nil }
            var f = UnitFacts(unit: unit, population: unit.population)
            for (n, key) in plan.factKeys.sorted(by: { "\($0)" < "\($1)" }).enumerated() {
                let base = Double((n * 7 + i * 5) % 23 + 2)
                f.facts[key] = FactValue(value: (base * scale).rounded(), basis: Int(base))
            }
            f.assessments[plan.criteria[0].id] = Assessment(selfScore: 6, reviewedScore: i == 0 ? 5 : nil)
            if i == 2 { f.adjustments[plan.adjustments[0].id] = 2 }
            return f
        }
    }

    func window(_ asOf: String) -> EvaluationWindow { EvaluationWindow(phase: phase, asOf: LocalDate(iso: asOf)!) }

    func dashboard(_ query: DashboardQuery = DashboardQuery(), asOf: String = "2025-06-15", empty: Bool = false) -> DashboardPage.Input {
        let w = window(asOf)
        let facts = empty ? [] : self.facts(scale: 1)
        let m = w.monthsSoFar
        return DashboardPage.Input(plan: plan, movementKey: plan.id, phase: phase, window: w, structureDate: phase.end,
                                   results: Evaluator.evaluate(plan: plan, window: w, units: facts),
                                   facts: Dictionary(uniqueKeysWithValues: facts.map { ($0.unit.id, $0) }),
                                   graph: graph, query: query, months: m,
                                   monthStates: [wards[0]: [m[0]: .approved, m[1]: .approved, m[2]: .submitted], wards[1]: [m[0]: .returned]])
    }
}

@Suite("Pages: one snapshot per state, built from plain values")
struct PageSnapshotTests {
    let fx: SnapshotFixture

    init() throws { fx = try SnapshotFixture() }

    @Test("The dashboard: by rank, sorted by a target, filtered by band, in English, with no units")
    func dashboard() async throws {
        let page = DashboardPage.build(fx.dashboard(), page: fx.chrome("Đợt 2"), text: fx.text())
        #expect(page.rows.map(\.rank) == ["1", "2", "3"])
        #expect(page.rollup?.note == "Tổng hợp 3 đơn vị")
        // February to June 2025: phường Uông Bí has two months approved and one submitted.
        let uongBi = try #require(page.rows.first { $0.name == "phường Uông Bí" })
        #expect(uongBi.monthsApproved == "2/5 tháng đã duyệt")
        #expect(uongBi.months.map(\.icon) == ["✓", "✓", "⇡", "·", "·"])
        #expect(page.rollup?.monthsApproved == "2/15 tháng đã duyệt")
        #expect(page.columns.map(\.label).prefix(4) == ["Đơn vị", "1.1", "2.1", "3.1"])
        #expect(page.columns[0].sorted == "none" && page.columns.first { $0.label == "Hạng" }?.sorted == "ascending")
        try await assertPageSnapshot(page, template: "results/dashboard", named: "dashboard")

        var byTarget = DashboardQuery()
        byTarget.sort = .target(fx.plan.targets[0].id)
        byTarget.descending = true
        let sorted = DashboardPage.build(fx.dashboard(byTarget), page: fx.chrome("Đợt 2"), text: fx.text())
        let values = sorted.rows.map { $0.cells[0].text }
        #expect(values == values.sorted { Double($0.dropLast().replacingOccurrences(of: ",", with: ".")) ?? 0
                                          > Double($1.dropLast().replacingOccurrences(of: ",", with: ".")) ?? 0 })
        // Sorted by this column descending: its link turns it ascending, and the others start from the best.
        #expect(sorted.columns[1].sorted == "descending")
        #expect(sorted.columns[1].href == "/movements/uong-bi-2024-2025/phases/dot-2?sort=t.nguon-tin-nhan-dan")
        try await assertPageSnapshot(sorted, template: "results/dashboard", named: "dashboard-sorted")

        let band = try #require(DashboardPage.build(fx.dashboard(), page: fx.chrome("Đợt 2"), text: fx.text()).rows.first?.band)
        var filtered = DashboardQuery()
        filtered.band = fx.plan.classification.first { $0.name == band }?.id
        let only = DashboardPage.build(fx.dashboard(filtered), page: fx.chrome("Đợt 2"), text: fx.text())
        #expect(only.rows.allSatisfy { $0.band == band })
        try await assertPageSnapshot(only, template: "results/dashboard", named: "dashboard-band")

        let english = DashboardPage.build(fx.dashboard(), page: fx.chrome("Phase 2", .en), text: fx.text(.en))
        #expect(english.rows.first?.cells.contains { $0.statusText == "met" } == true)
        try await assertPageSnapshot(english, template: "results/dashboard", named: "dashboard-en")

        let empty = DashboardPage.build(fx.dashboard(empty: true), page: fx.chrome("Đợt 2"), text: fx.text())
        #expect(empty.empty && empty.rows.isEmpty && empty.rollup == nil)
        try await assertPageSnapshot(empty, template: "results/dashboard", named: "dashboard-empty")
    }

    @Test("The dashboard pages its communes by 25, and groups a nation's by province")
    func paging() throws {
        let fx = self.fx
        let start = LocalDate(iso: "2020-01-01")!
        var units = Array(fx.graph.units.values)
        var links = fx.graph.links
        for i in 0..<260 {
            let id = UUID()
            units.append(UnitInfo(id: id, level: .commune, kind: "xã", name: "Xã \(i)", validFrom: start))
            links.append(ParentLink(unitID: id, parentID: fx.province, validFrom: start))
        }
        let graph = UnitGraph(units: units, links: links, successions: [])
        var input = fx.dashboard()
        let w = input.window
        let facts = graph.units(at: .commune, on: w.asOf).map { UnitFacts(unit: $0) }
        input.graph = graph
        input.results = Evaluator.evaluate(plan: fx.plan, window: w, units: facts)
        input.facts = Dictionary(uniqueKeysWithValues: facts.map { ($0.unit.id, $0) })
        // 263 communes and no area chosen: one row per province, a link to its communes.
        let grouped = DashboardPage.build(input, page: fx.chrome("Đợt 2"), text: fx.text())
        #expect(grouped.grouped && grouped.rows.count == 1 && grouped.rows[0].note == "263 đơn vị cấp xã")
        #expect(grouped.rows[0].href == "/movements/uong-bi-2024-2025/phases/dot-2?area=\(fx.province.uuidString)")
        // The province chosen: 25 a page, 11 pages, the last with 13.
        input.query.area = fx.province
        input.query.page = 11
        let last = DashboardPage.build(input, page: fx.chrome("Đợt 2"), text: fx.text())
        #expect(!last.grouped && last.rows.count == 13 && last.pages.count == 11 && last.pages[10].current)
        #expect(last.shown == "Đơn vị 251–263 trong 263")
    }

    @Test("The commune page: targets with status, progress, projection and what is left; a monthly chart")
    func commune() async throws {
        let w = fx.window("2025-06-15")
        let all = fx.facts(scale: 1)
        let results = Evaluator.evaluate(plan: fx.plan, window: w, units: all)
        let ward = try #require(results.first { $0.unit.id == fx.wards[1] })
        let trend = ["2025-02-28", "2025-03-31", "2025-04-30", "2025-05-31", "2025-06-15"].enumerated().map { i, day in
            let step = fx.window(day)
            let f = fx.facts(scale: Double(i + 1) / 5)[1]
            return (month: Month(LocalDate(iso: day)!), result: Evaluator.evaluateUnit(plan: fx.plan, window: step, facts: f))
        }
        let input = CommunePage.Input(
            plan: fx.plan, movementKey: fx.plan.id, phase: fx.phase, window: w, unit: ward.unit, result: ward,
            communeCount: 3, population: ward.unit.population, trend: trend, facts: all[1],
            teams: [.init(name: "Tổ bảo vệ ANTT khu Vàng Danh 3", village: "khu Vàng Danh 3", membersShown: true,
                          members: [.init(name: "Hoàng Thanh Dũng", role: "Tổ trưởng", phone: "0900 000 706")], memberCount: 1)],
            records: [.init(id: "r1", date: "14/06/2025", kind: "Tuần tra", place: "khu Vàng Danh 3, phường Vàng Danh",
                            summary: "Tuyến đường 18", editHref: "/records/r1", deleteHref: "/records/r1/delete")],
            canWrite: true)
        let page = CommunePage.build(input, page: fx.chrome("phường Vàng Danh"), text: fx.text())
        #expect(page.targets.count == 9)
        #expect(page.targets.allSatisfy { $0.chart.bars.count == 5 })
        #expect(page.rank == "\(ward.rank ?? 0) / 3")
        try await assertPageSnapshot(page, template: "results/commune", named: "commune")
        // Commune police see the tips waiting in the commune.
        var police = input
        police.waitingTips = 2
        let english = CommunePage.build(police, page: fx.chrome("Vàng Danh ward", .en), text: fx.text(.en))
        #expect(english.tips == "Citizens' tips waiting: 2")
        try await assertPageSnapshot(english, template: "results/commune", named: "commune-en")
    }

    @Test("The chart: bars scaled to the larger of the goal and the highest value, the goal as a line")
    func chart() {
        let chart = TrendChart.make(id: "c", title: "t", description: "d",
                                    points: [("02/25", 40, "40%", .atRisk), ("03/25", 80, "80%", .met), ("04/25", nil, "—", .noData)],
                                    goal: 80, goalLabel: "≥ 80%")
        // The plot runs from y 116 (zero) up to y 12 (80): 104 pixels for 80.
        #expect(chart.baseline == 116)
        #expect(chart.bars.map(\.height) == [52, 104, 0])
        #expect(chart.bars.map(\.y) == [64, 12, 116])
        #expect(chart.goalY == 12)
        #expect(chart.bars.map(\.x) == [21, 127, 233])
    }

    @Test("The record form: kinds to choose from, a team leader's patrol, the same form with its mistakes")
    func recordForm() async throws {
        let today = LocalDate(iso: "2025-06-15")!
        let members = [RecordForm.MemberChoice(id: UUID(uuidString: "00000000-0000-4000-8000-000000000021")!, name: "Hoàng Thanh Dũng"),
                       RecordForm.MemberChoice(id: UUID(uuidString: "00000000-0000-4000-8000-000000000022")!, name: "Đỗ Thị Cường")]
        func input(_ kind: RecordKind?, _ form: FormState, recordID: String? = nil) -> RecordFormPage.Input {
            RecordFormPage.Input(kind: kind, allowedKinds: Permissions.recordKinds(for: .teamLeader),
                                 placement: .village(id: fx.village, label: "khu Vàng Danh 3, phường Vàng Danh"),
                                 members: members, reformCases: [], form: form, today: today, action: "/records/new?kind=patrol",
                                 cancelHref: "/", recordID: recordID)
        }
        let choose = RecordFormPage.build(input(nil, FormState()), page: fx.chrome("Ghi nhận"), text: fx.text())
        #expect(choose.kinds.map(\.href) == ["/records/new?kind=information_source", "/records/new?kind=patrol",
                                             "/records/new?kind=fire_activity", "/records/new?kind=propaganda",
                                             "/records/new?kind=reform_visit"])
        try await assertPageSnapshot(choose, template: "records/form", named: "record-kinds")

        let fresh = FormState(values: ["date": "2025-06-15", "startTime": "19:00", "endTime": "21:00", "incidentsFound": "0", "others": "0"])
        let patrol = RecordFormPage.build(input(.patrol, fresh), page: fx.chrome("Tuần tra"), text: fx.text())
        #expect(patrol.fields.map(\.name) == ["date", "village", "startTime", "endTime", "members", "others", "route",
                                              "incidentsFound", "racingPrevented"])
        try await assertPageSnapshot(patrol, template: "records/form", named: "record-patrol")

        var typed = fresh.values
        typed["endTime"] = "25:00"
        typed["incidentsFound"] = "hai"
        let wrong = FormState(values: typed, errorKeys: ["endTime": "field.time", "members": "field.noParticipants",
                                                         "incidentsFound": "field.wholeNumber"], translator: fx.text())
        #expect(wrong.message == "Có 3 ô cần sửa; xem thông báo bên cạnh từng ô.")
        let page = RecordFormPage.build(input(.patrol, wrong), page: fx.chrome("Tuần tra"), text: fx.text())
        #expect(page.fields.first { $0.name == "incidentsFound" }?.value == "hai")
        #expect(page.fields.first { $0.name == "members" }?.error == "chưa chọn ai tham gia")
        try await assertPageSnapshot(page, template: "records/form", named: "record-patrol-errors")

        // Correcting a stored patrol: the form carries the version it was opened on, and offers to delete.
        var stored = fresh.values
        stored["version"] = "41d9a5c3f0400000"
        let edit = RecordFormPage.build(input(.patrol, FormState(values: stored), recordID: "00000000-0000-4000-8000-000000000031"),
                                        page: fx.chrome("Tuần tra"), text: fx.text())
        #expect(edit.version == "41d9a5c3f0400000")
        #expect(edit.deleteHref == "/records/00000000-0000-4000-8000-000000000031/delete")
        try await assertPageSnapshot(edit, template: "records/form", named: "record-patrol-edit")
    }

    @Test("The movement page and the team page")
    func otherPages() async throws {
        let movement = MovementPage.build(plan: fx.plan, today: LocalDate(iso: "2025-06-15")!, page: fx.chrome("Phong trào"), text: fx.text())
        try await assertPageSnapshot(movement, template: "movements/show", named: "movement")
        let published = MovementPage.build(plan: fx.plan, today: LocalDate(iso: "2025-06-15")!, page: fx.chrome("Phong trào", signedIn: false),
                                           text: fx.text(), published: ["dot-1"])
        #expect(published.phases.map(\.rankingHref) == ["/movements/uong-bi-2024-2025/phases/dot-1/ranking", nil])
        try await assertPageSnapshot(published, template: "movements/show", named: "movement-public")
        let w = fx.window("2025-06-15")
        let ranking = RankingPage.build(plan: fx.plan, phase: fx.phase, window: w,
                                        results: Evaluator.evaluate(plan: fx.plan, window: w, units: fx.facts(scale: 1)),
                                        page: fx.chrome("Xếp hạng", signedIn: false), text: fx.text())
        #expect(ranking.rows.map(\.rank) == ["1", "2", "3"])
        try await assertPageSnapshot(ranking, template: "results/ranking", named: "ranking")
        let today = LocalDate(iso: "2025-06-15")!
        let team = TeamPage.build(.init(
            team: "Tổ bảo vệ ANTT khu Vàng Danh 3", village: try #require(fx.graph.units[fx.village]),
            commune: fx.graph.units[fx.wards[1]], today: today, phase: (fx.phase.name, fx.phase.start), movementKey: fx.plan.id,
            records: [(.patrol, today), (.patrol, LocalDate(iso: "2025-05-20")!), (.informationSource, LocalDate(iso: "2025-06-02")!)],
            latest: [], members: [.init(name: "Hoàng Thanh Dũng", role: "Tổ trưởng", phone: nil)], canWrite: true),
            page: fx.chrome("Tổ"), text: fx.text())
        #expect(team.actions.first?.href == "/records/new?kind=patrol")
        #expect(team.counts.map(\.month) == ["1", "1", "0", "0", "0"])
        #expect(team.counts.map(\.phase) == ["1", "2", "0", "0", "0"])
        try await assertPageSnapshot(team, template: "units/team", named: "team")
    }

    @Test("The month's figures: stored values, last months beside each, a mistake and an unusual value")
    func figureSheet() async throws {
        let ward = try #require(fx.graph.units[fx.wards[1]])
        let month = try #require(Month(text: "2025-05"))
        func input(_ form: FormState, unusual: Set<FigureKind> = []) -> FigureSheetPage.Input {
            FigureSheetPage.Input(commune: ward, month: month, communes: [ward], form: form,
                                  previous: [.under14Population: [2000, 1990, 1985], .trafficAccidents: [2, 3, 2]],
                                  unusual: unusual, latestMonth: try! #require(Month(text: "2025-06")), cancelHref: "/")
        }
        let plain = FigureSheetPage.build(input(FormState(values: ["under14_population": "2000"])), page: fx.chrome("Số liệu"), text: fx.text())
        #expect(plain.fields.map(\.name) == FigureKind.allCases.map(\.rawValue))
        #expect(plain.fields[0].hint == "Các tháng trước: 2.000 · 1.990 · 1.985")
        // May, with April and March before it and June after; nothing after the latest month.
        #expect(plain.months.map(\.label) == ["03/2025", "04/2025", "05/2025", "06/2025"])
        #expect(plain.filters.map(\.name) == ["month"])
        try await assertPageSnapshot(plain, template: "figures/sheet", named: "figures")
        let wrong = FormState(values: ["under14_population": "2000", "under14_with_id_card": "2100", "traffic_accidents": "40"],
                              errorKeys: ["traffic_accidents": "field.unusual"], translator: fx.text())
        let unusual = FigureSheetPage.build(input(wrong, unusual: [.trafficAccidents]), page: fx.chrome("Số liệu"), text: fx.text())
        #expect(unusual.unusual && unusual.form.message == "Có 1 số khác xa các tháng trước. Kiểm tra lại; nếu đúng, đánh dấu xác nhận rồi lưu.")
        try await assertPageSnapshot(unusual, template: "figures/sheet", named: "figures-unusual")
    }

    @Test("The import page: a preview with its problems, and one ready to confirm")
    func importPage() async throws {
        let ward = try #require(fx.graph.units[fx.wards[1]])
        let row = FigureImport.Row(line: 2, unit: "06811", month: try #require(Month(text: "2025-05")),
                                   values: [.under14Population: 2000, .under14WithIdCard: 1900])
        let bad = FigureImportService.Checked(rows: [(row, ward)],
                                              problems: [.init(line: 3, key: "import.value", arguments: ["column": "reoffenders", "value": "hai"])],
                                              unusual: [2: [.under14Population]])
        let token = "6F1E2D3C-4B5A-4968-8776-655443322110"
        let refused = FigureImportPage.build(checked: bad, sheet: .csv("unit,month\n"), draft: token, error: nil, page: fx.chrome("Nhập"), text: fx.text())
        #expect(refused.problems == ["Dòng 3: cột Số đối tượng tái phạm: “hai” không phải số nguyên không âm"])
        #expect(refused.draft == nil && refused.notes.isEmpty)
        #expect(refused.rows.first?.values.prefix(2) == ["2.000", "1.900"])
        try await assertPageSnapshot(refused, template: "figures/import", named: "import-problems")
        let ready = FigureImportPage.build(checked: .init(rows: [(row, ward)], problems: [], unusual: [:]), sheet: .csv("unit,month\n"), draft: token,
                                           error: nil, page: fx.chrome("Nhập"), text: fx.text())
        #expect(ready.draft == token)
        try await assertPageSnapshot(ready, template: "figures/import", named: "import-ready")
    }

    @Test("The list of records: filters, a row one may correct and one one may not, pages")
    func recordList() async throws {
        var filter = RecordListPage.Filter()
        filter.kind = .patrol
        filter.page = 2
        let rows = [RecordListPage.Row(id: "r1", date: "14/06/2025", kind: "Tuần tra", place: "khu Vàng Danh 3, phường Vàng Danh",
                                       summary: "Đường 18", editHref: "/records/r1", deleteHref: "/records/r1/delete"),
                    RecordListPage.Row(id: "r2", date: "13/06/2025", kind: "Tuần tra", place: "phường Yên Tử", summary: nil,
                                       editHref: nil, deleteHref: nil)]
        let communes = fx.wards.compactMap { fx.graph.units[$0] }
        let page = RecordListPage.build(filter: filter, rows: rows, total: 52, canCreate: true, communes: communes,
                                        page: fx.chrome("Ghi nhận"), text: fx.text())
        #expect(page.filters.map(\.name) == ["unit", "kind", "from", "to"])
        #expect(page.shown == "Ghi nhận 51–52 trong 52")
        #expect(page.pages.map(\.href) == ["/records?kind=patrol", "/records?kind=patrol&page=2"])
        try await assertPageSnapshot(page, template: "records/list", named: "records")
    }

    @Test("The audit log: entries with their before and after, the filters kept")
    func auditPage() async throws {
        let entry = AuditEntry()
        entry.seq = 42
        entry.at = Date(timeIntervalSince1970: 1_756_700_000)
        entry.actor = "ca.phuongvangdanh"
        entry.action = "figure.update"
        entry.entity = "figure"
        entry.entityID = "00000000-0000-4000-8000-000000000099"
        entry.before = #"{"kind":"traffic_accidents","value":2}"#
        entry.after = #"{"kind":"traffic_accidents","value":3}"#
        var filter = AuditPage.Filter()
        filter.unit = fx.wards[1]
        filter.action = "figure.update"
        let page = AuditPage.build(filter: filter, entries: [entry], total: 1, units: Array(fx.graph.units.values).sorted { $0.name < $1.name },
                                   actions: ["figure.update", "record.create"], page: fx.chrome("Nhật ký"), text: fx.text())
        #expect(page.rows.first?.after == "{\n  \"kind\" : \"traffic_accidents\",\n  \"value\" : 3\n}")
        #expect(page.shown == "Mục 1–1 trong 1")
        try await assertPageSnapshot(page, template: "audit/log", named: "audit")
    }

    @Test("Setting up a locality: the form, its mistakes, the report with one-time passwords and what is missing")
    func setupPages() async throws {
        let empty = SetupPage.build(form: FormState(), page: fx.chrome("Thiết lập một địa bàn"), text: fx.text())
        #expect(empty.fields.map(\.name) == ["area", "plan"] && !empty.done)
        try await assertPageSnapshot(empty, template: "setup/index", named: "setup")
        var form = FormState(values: ["area": "747"], errorKeys: ["plan": "setup.planRefused"], translator: fx.text())
        form.values["plan"] = "ignored"
        let wrong = SetupPage.build(form: form, planProblems: ["Dòng 4, cột 3: Tổng điểm chuẩn là 99, phải là 100"],
                                    page: fx.chrome("Thiết lập một địa bàn"), text: fx.text())
        #expect(wrong.fields[1].error == "tệp kế hoạch có lỗi (liệt kê bên dưới); chưa làm gì" && wrong.fields[1].value == "")
        try await assertPageSnapshot(wrong, template: "setup/index", named: "setup-problems")
        let wards = fx.wards.compactMap { fx.graph.units[$0] }
        let province = UnitInfo(id: UUID(uuidString: "00000000-0000-4000-8000-000000000001")!, code: "22", level: .province, kind: "tỉnh",
                                name: "Quảng Ninh", validFrom: LocalDate(iso: "2025-07-01")!)
        let report = LocalitySetup.Report(
            area: province, communes: wards,
            catalogue: CatalogueService.Report(added: 14_122, changed: 0, unchanged: 0, linksAdded: 14_052, successionsAdded: 10_597),
            plan: ("quang-ninh-2025", .created),
            accounts: [.init(username: "thuongtruc.22", role: .secretariat, unit: "tỉnh Quảng Ninh", password: "Ab3d-Ef6h-Jk8m-Np"),
                       .init(username: "ca.06811", role: .communeOfficer, unit: wards[0].fullName, password: nil)],
            withoutVillages: [wards[2]], withoutPopulation: [wards[1], wards[2]], villagesWithoutTeams: 3)
        let done = SetupPage.build(form: FormState(values: ["area": "22"]), report: report, page: fx.chrome("Thiết lập một địa bàn"), text: fx.text())
        #expect(done.summary == ["Địa bàn: tỉnh Quảng Ninh, 3 xã, phường, đặc khu.",
                                 "Đã nạp danh mục đơn vị hành chính quốc gia: 14.122 đơn vị, 14.052 quan hệ trực thuộc, 10.597 quan hệ kế thừa.",
                                 "Kế hoạch quang-ninh-2025: đã nạp mới.", "Tài khoản: 1 tạo mới, 1 đã có."])
        #expect(done.missing.map(\.text) == ["1 xã, phường chưa có thôn, khu: nhập từ tệp cho từng nơi", "3 thôn, khu chưa có tổ bảo vệ ANTT",
                                              "2 xã, phường chưa có dân số (cho các chỉ tiêu tính trên 1.000 dân): nhập dân số từng thôn, khu, hoặc dùng lệnh thidua units population"])
        #expect(done.missing[0].links.map(\.href) == ["/villages/import?unit=\(fx.wards[2].uuidString)"] && done.newPasswords && !done.ready)
        try await assertPageSnapshot(done, template: "setup/index", named: "setup-report")
    }

    @Test("Accounts: one's own page, the admin's list, a new account with its mistakes, an account with its one-time password")
    func accountPages() async throws {
        let now = Date(timeIntervalSince1970: 1_756_700_000)
        let own = AccountPage.build(.init(
            displayName: "Công an phường Vàng Danh", username: "ca.phuongvangdanh", role: .communeOfficer, unit: "phường Vàng Danh",
            passwordOnly: false, form: FormState(values: [:], errorKeys: ["new": "field.passwordShort"], translator: fx.text()),
            tokens: [(id: "00000000-0000-4000-8000-0000000000a1", created: now, expires: now.addingTimeInterval(86_400 * 30), revoked: nil),
                     (id: "00000000-0000-4000-8000-0000000000a2", created: now, expires: now, revoked: now)],
            newToken: nil, now: now), page: fx.chrome("Tài khoản"), text: fx.text())
        #expect(own.tokens.map(\.state) == ["đang dùng", "đã thu hồi"])
        #expect(own.tokens.map { $0.revokeHref != nil } == [true, false])
        try await assertPageSnapshot(own, template: "accounts/account", named: "account")

        let hoa = AccountSummary(id: "00000000-0000-4000-8000-0000000000b1", username: "ca.quangtrung", displayName: "Lê Thị Hoa",
                                 role: .communeOfficer, unit: fx.wards[0], active: true, mustChangePassword: true, headsPolice: true, created: now)
        let off = AccountSummary(id: "00000000-0000-4000-8000-0000000000b2", username: "tt.vangdanh3", displayName: "Hoàng Thanh Dũng",
                                 role: .teamLeader, unit: fx.village, active: false, mustChangePassword: false, created: now)
        var filter = AccountAdmin.Filter()
        filter.role = .communeOfficer
        filter.page = 2
        let list = AccountListPage.build(filter: filter, users: [(hoa, "phường Uông Bí"), (off, "khu Vàng Danh 3")], total: 52,
                                         page: fx.chrome("Tài khoản"), text: fx.text())
        #expect(list.shown == "Tài khoản 51–52 trong 52")
        #expect(list.pages.map(\.href) == ["/admin/accounts?role=communeOfficer", "/admin/accounts?role=communeOfficer&page=2"])
        #expect(list.rows.map(\.state) == ["đang dùng", "đã khóa"])
        #expect(list.rows.map(\.role) == ["Công an cấp xã · Trưởng", "Tổ trưởng"])
        try await assertPageSnapshot(list, template: "accounts/list", named: "accounts")

        let typed = ["username": "ca phuong", "displayName": "", "role": "teamLeader", "unit": "06820"]
        let wrong = AccountEditPage.build(
            account: nil, unitName: nil,
            form: FormState(values: typed, errorKeys: ["username": "field.usernameInvalid", "displayName": "field.required",
                                                       "unit": "field.unitVillageRequired"], translator: fx.text()),
            newPassword: nil, page: fx.chrome("Tạo tài khoản"), text: fx.text())
        #expect(wrong.fields.map(\.name) == ["username", "displayName", "role", "unit", "headsPolice"])
        #expect(wrong.fields.compactMap(\.error).count == 3 && wrong.resetHref == nil)
        try await assertPageSnapshot(wrong, template: "accounts/edit", named: "account-new-errors")

        let made = AccountEditPage.build(
            account: hoa, unitName: "phường Uông Bí", form: FormState(values: AccountEditPage.values(of: hoa, unitKey: "06810")),
            newPassword: "abcd-EFGH-2345-xy", page: fx.chrome("Lê Thị Hoa"), text: fx.text())
        #expect(made.newPasswordLabel == "Mật khẩu dùng một lần của ca.quangtrung (chỉ hiện lần này):")
        #expect(made.disableHref == "/admin/accounts/00000000-0000-4000-8000-0000000000b1/disable" && made.enableHref == nil)
        #expect(made.fields.first?.kind == .fixed)
        #expect(made.fields.last.map { [$0.kind.rawValue, $0.value] } == ["checkbox", "true"])
        try await assertPageSnapshot(made, template: "accounts/edit", named: "account-made")
        let disabled = AccountEditPage.build(account: off, unitName: "khu Vàng Danh 3", form: FormState(), newPassword: nil,
                                             page: fx.chrome("Hoàng Thanh Dũng", .en), text: fx.text(.en))
        #expect(disabled.enableHref == "/admin/accounts/00000000-0000-4000-8000-0000000000b2/enable" && disabled.disableHref == nil)
        #expect(disabled.newPassword == nil)
        try await assertPageSnapshot(disabled, template: "accounts/edit", named: "account-disabled-en")
    }

    @Test("The members import: a preview with its problems, and one ready to confirm")
    func memberImportPage() async throws {
        let ward = try #require(fx.graph.units[fx.wards[1]]), village = try #require(fx.graph.units[fx.village])
        let today = LocalDate(iso: "2025-08-15")!
        let (rows, problems) = MemberImport.read("""
            village,full_name,role,phone,joined_on,left_on
            Vàng Danh 3,Nguyễn Thị Mai,tổ viên,0912 345 678,2025-08-01,
            Vàng Danh 3,Hoàng Thanh Dũng,tổ viên,,2024-07-01,2025-07-31
            Vàng Danh 3,Trần Văn E,tổ viên,12345,2025-08-01,
            """, today: today)
        let known = Member()
        known.fullName = "Hoàng Thanh Dũng"
        let checked = MemberImportService.Checked(commune: ward, rows: rows.map { ($0, village, $0.fullName == known.fullName ? known : nil) },
                                                  problems: problems)
        let token = "6F1E2D3C-4B5A-4968-8776-655443322110"
        let wrong = CommuneImportPage.build(.members, commune: ward, preview: CommuneImportPage.members(checked, sheet: nil, text: fx.text()), draft: token,
                                            error: nil, page: fx.chrome("Nhập thành viên"), text: fx.text())
        #expect(wrong.problems == ["Dòng 4: “12345” không phải số điện thoại (10 chữ số, bắt đầu bằng 0)"])
        #expect(wrong.draft == nil && wrong.summary == nil)
        #expect(wrong.rows.map { $0.cells.last } == ["thêm mới", "cập nhật"])
        try await assertPageSnapshot(wrong, template: "imports/commune", named: "members-import-problems")
        // A workbook whose list is its second visible sheet, with a row hidden in it.
        let sheet = ImportSheet(rows: [.init(line: 1, cells: [.text("village")]), .init(line: 3, cells: [.text("Vàng Danh 3")], hidden: true)],
                                sheetName: "Danh sách", otherSheets: ["Ghi chú"])
        let ready = CommuneImportPage.build(.members, commune: ward,
                                            preview: CommuneImportPage.members(MemberImportService.Checked(commune: ward, rows: checked.rows, problems: []),
                                                                               sheet: sheet, text: fx.text()),
                                            draft: token, error: nil, page: fx.chrome("Nhập thành viên"), text: fx.text())
        #expect(ready.summary == "Tệp hợp lệ: 1 người thêm mới, 1 người cập nhật." && ready.draft == token)
        #expect(ready.notes == ["Đã đọc trang tính “Danh sách”; các trang tính khác có dữ liệu không được đọc: “Ghi chú”.",
                                "1 dòng bị ẩn trong bảng tính vẫn được đọc: dòng 3."])
        #expect(ready.downloads.map(\.href) == ["template.csv", "template.xlsx"].map { "/members/import/\($0)?unit=\(fx.wards[1].uuidString)" }
                + ["export.csv", "export.xlsx"].map { "/members/\($0)?unit=\(fx.wards[1].uuidString)" })
        try await assertPageSnapshot(ready, template: "imports/commune", named: "members-import-ready")
        let (villageRows, _) = VillageImport.read("village,kind,code,population,since\nTân Lập,thôn,,900,\nVàng Danh 3,khu,06811-03,1.200,\nYên Thanh 2,khu,06810-02,,2025-09-01\n")
        let moving = VillageImport.Move(from: fx.wards[0], on: LocalDate(iso: "2025-09-01")!)
        var villages = VillageImportService.Checked(commune: ward, rows: villageRows.map { row in
            VillageImport.Placed(row: row, existing: row.code == nil ? nil : village, code: row.code ?? "06811-04", move: row.since == nil ? nil : moving)
        }, problems: [])
        villages.refiled[4] = 12
        let page = CommuneImportPage.build(.villages, commune: ward, preview: CommuneImportPage.villages(villages, graph: fx.graph, sheet: nil, text: fx.text()),
                                           draft: token, error: nil, page: fx.chrome("Nhập thôn, khu"), text: fx.text())
        #expect(page.rows.map(\.cells) == [["06811-04", "thôn Tân Lập", "900", "", "thêm mới (kèm tổ)"], ["06811-03", "khu Vàng Danh 3", "1.200", "", "cập nhật"],
                                            ["06810-02", "khu Yên Thanh 2", "", "", "chuyển từ \(fx.graph.units[fx.wards[0]]?.fullName ?? "") từ ngày 01/09/2025 (12 bản ghi chuyển theo)"]])
        #expect(page.summary == "Tệp hợp lệ: 1 thôn, khu thêm mới, 1 cập nhật, 1 chuyển về xã này (12 bản ghi chuyển theo)." && page.confirmAction == "/villages/import/confirm")
        try await assertPageSnapshot(page, template: "imports/commune", named: "villages-import-ready")
    }

    @Test("The unit tree, a unit formed by a merger, sign-in and an error page")
    func unitAndFramePages() async throws {
        let start = LocalDate(iso: "2020-01-01")!, end = LocalDate(iso: "2025-06-30")!, merger = LocalDate(iso: "2025-07-01")!
        let id = { (n: Int) in UUID(uuidString: String(format: "00000000-0000-4000-8000-%012d", n))! }
        let units = [
            UnitInfo(id: id(1), code: "22", level: .province, kind: "tỉnh", name: "Quảng Ninh", validFrom: start),
            UnitInfo(id: id(2), code: "06808", level: .commune, kind: "phường", name: "Vàng Danh", population: 16_366, validFrom: start, validTo: end),
            UnitInfo(id: id(3), code: "06820", level: .commune, kind: "phường", name: "Trưng Vương", population: 9_120, validFrom: start, validTo: end),
            UnitInfo(id: id(4), code: "06820", level: .commune, kind: "phường", name: "Vàng Danh", population: 41_000, validFrom: merger),
            UnitInfo(id: id(5), level: .village, kind: "khu", name: "Điền Công 1", validFrom: start),
            UnitInfo(id: id(6), level: .village, kind: "khu", name: "Vàng Danh 3", validFrom: start),
            UnitInfo(id: id(7), level: .village, kind: "khu", name: "Tân Lập", validFrom: start),
            UnitInfo(id: id(8), code: "06832", level: .commune, kind: "phường", name: "Yên Tử", validFrom: merger),
        ]
        let links = [
            ParentLink(unitID: id(2), parentID: id(1), validFrom: start, validTo: end), ParentLink(unitID: id(3), parentID: id(1), validFrom: start, validTo: end),
            ParentLink(unitID: id(4), parentID: id(1), validFrom: merger),
            ParentLink(unitID: id(5), parentID: id(3), validFrom: start, validTo: end), ParentLink(unitID: id(5), parentID: id(4), validFrom: merger),
            ParentLink(unitID: id(6), parentID: id(2), validFrom: start, validTo: end), ParentLink(unitID: id(6), parentID: id(4), validFrom: merger),
            ParentLink(unitID: id(7), parentID: id(3), validFrom: start, validTo: end), ParentLink(unitID: id(7), parentID: id(8), validFrom: merger),
            ParentLink(unitID: id(8), parentID: id(1), validFrom: merger),
        ]
        let graph = UnitGraph(units: units, links: links, successions: [
            Succession(predecessorID: id(2), successorID: id(4), effective: merger, whole: true),
            Succession(predecessorID: id(3), successorID: id(4), effective: merger, whole: false),
            Succession(predecessorID: id(3), successorID: id(8), effective: merger, whole: false),
        ])
        let level = { (l: UnitLevel) in self.fx.text()("level.\(l.rawValue)") }
        let tree = UnitTreePage.build(graph: graph, date: merger, page: fx.chrome("Đơn vị"), levelName: level, text: fx.text())
        #expect(tree.rows.map(\.name) == ["tỉnh Quảng Ninh", "phường Vàng Danh", "phường Yên Tử"] && tree.communeCount == 2 && tree.villageCount == 3)
        try await assertPageSnapshot(tree, template: "units/tree", named: "units")
        let new = try #require(graph.units[id(4)])
        let day = UnitPage.day(of: new, asked: LocalDate(iso: "2024-01-01"), today: LocalDate(iso: "2026-11-29")!)
        #expect(day == merger)
        let page = UnitPage.build(unit: new, date: day, graph: graph, teams: [
            .init(name: "Tổ bảo vệ ANTT khu Vàng Danh 3", village: "khu Vàng Danh 3", membersShown: true,
                  members: [.init(name: "Hoàng Thanh Dũng", role: "Tổ trưởng", phone: "0912 345 678")], memberCount: 1),
            .init(name: "Tổ bảo vệ ANTT khu Điền Công 1", village: "khu Điền Công 1", membersShown: false, members: [], memberCount: 4),
        ], sample: true, page: fx.chrome("phường Vàng Danh"), text: fx.text())
        #expect(page.madeFrom.map(\.name) == ["phường Vàng Danh", "phường Trưng Vương"])
        #expect(page.madeFrom.map(\.note) == [nil, "một phần: khu Điền Công 1"])
        #expect(page.children.map(\.name).sorted() == ["khu Vàng Danh 3", "khu Điền Công 1"] && page.madeFromDate == "30/06/2025")
        #expect(!page.personalDataShown)
        try await assertPageSnapshot(page, template: "units/show", named: "unit-merged")
        let old = try #require(graph.units[id(3)])
        let ended = UnitPage.build(unit: old, date: UnitPage.day(of: old, asked: nil, today: LocalDate(iso: "2026-11-29")!), graph: graph,
                                   teams: [], sample: false, page: fx.chrome("phường Trưng Vương"), text: fx.text())
        #expect(ended.date == "2025-06-30" && ended.becameDate == "01/07/2025")
        #expect(ended.became.map(\.name) == ["phường Vàng Danh", "phường Yên Tử"])
        try await assertPageSnapshot(ended, template: "units/show", named: "unit-ended")

        let signIn = AuthController.SignInPage(page: fx.chrome("Đăng nhập", signedIn: false), username: "ca.vangdanh",
                                               error: fx.text()("signIn.wrong"), next: "/records")
        try await assertPageSnapshot(signIn, template: "auth/sign-in", named: "sign-in-wrong")
        let error = ErrorPage(status: 404, message: fx.text()("error.unitNotFound"), page: fx.chrome("Không có đơn vị này."))
        try await assertPageSnapshot(error, template: "error", named: "error-404")
    }

    @Test("Numbers and shares the Vietnamese way, and the English way")
    func numbers() {
        let vi = fx.text(), en = fx.text(.en)
        #expect(vi.number(87.54) == "87,5")
        #expect(vi.number(1234.5) == "1.234,5")
        #expect(en.number(1234.5) == "1,234.5")
        #expect(vi.number(80) == "80")
        #expect(vi.number(0.05, decimals: 2) == "0,05")
        #expect(vi.number(-2.5) == "-2,5")
        #expect(vi.number(-0.01) == "0")
        #expect(vi.percent(100) == "100%")
        #expect(vi.count(16366) == "16.366")
        #expect(en.count(16366) == "16,366")
    }
}
