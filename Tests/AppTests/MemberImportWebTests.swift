import Fluent
import Foundation
import Testing
import ThiDuaCore
import Vapor
import VaporTesting
@testable import App

@Suite("Team members from a CSV file: the page, the command line's service, the export")
struct MemberImportWebTests {
    @Test("Every bad row refused with its line and nothing stored; fixed, previewed, confirmed; the export gives it back")
    func importMembers() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let ward = DemoUnits.ward2025("Vàng Danh").uuidString
            let village = DemoUnits.village("06808", "Vàng Danh 3")
            let team = try #require(try await Team.query(on: app.db).filter(\.$village.$id == village).with(\.$members).first())
            let leader = try #require(team.members.first { $0.role == .leader && $0.leftOn == nil })
            let before = try await Member.query(on: app.db).count()
            let officer = Browser()
            try await officer.signIn(app, "ca.phuongvangdanh", "demo-password-for-tests")
            // The commune's page leads to it; the template lists the layout and the members as they stand.
            try await officer.get(app, "/units/\(ward)") { #expect($0.body.string.contains("/members/import?unit=\(ward)")) }
            try await officer.get(app, "/members/import") { #expect($0.status == .ok) }
            try await officer.get(app, "/members/import/template.csv?unit=\(ward)") { res in
                #expect(res.headers.contentType?.subType == "csv")
                #expect(res.body.string.hasPrefix("\u{FEFF}village,full_name,role,phone,joined_on,left_on\r\n"))
                #expect(res.body.string.contains("Vàng Danh 3,\(leader.fullName),tổ trưởng,"))
            }
            // The same as an Excel workbook (saved by openpyxl): its phone typed as a number, its day as a day.
            let workbook = try Data(contentsOf: SpreadsheetTests.fixtures.appendingPathComponent("members.xlsx"))
            try await uploadFile(app, officer, "/members/import", bytes: workbook, name: "thanh-vien.xlsx",
                                 type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", fields: ["unit": ward]) { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Tệp hợp lệ: 2 người thêm mới, 0 người cập nhật.") && res.body.string.contains("0912345678"))
            }
            let bad = """
                village,full_name,role,phone,joined_on,left_on
                Vàng Danh 3,Nguyễn Thị Mai,tổ viên,0912 345 678,2025-08-01,
                Không Có,Trần Văn B,tổ viên,,2025-08-01,
                Phương Đông 1,Trần Văn C,tổ viên,,2025-08-01,
                Vàng Danh 3,Trần Văn D,tổ viên,,2019-05-01,
                Vàng Danh 3,nguyễn thị mai,tổ phó,,2025-08-01,
                Vàng Danh 3,Trần Văn E,tổ viên,12345,2025-08-01,
                Vàng Danh 3,Trần Văn F,tổ trưởng,,2026-01-01,
                """
            try await uploadFile(app, officer, "/members/import", bad, fields: ["unit": ward]) { res in
                #expect(res.status == .unprocessableEntity)
                let html = res.body.string
                for line in [
                    "Dòng 3: không có thôn, khu “Không Có” trong phường Vàng Danh",
                    "Dòng 4: không có thôn, khu “Phương Đông 1” trong phường Vàng Danh",
                    "Dòng 5: ngày công nhận ngoài thời gian tồn tại của khu Vàng Danh 3 (01/01/2020 – …)",
                    "Dòng 6: trùng thôn và họ tên với dòng 2",
                    "Dòng 7: “12345” không phải số điện thoại (10 chữ số, bắt đầu bằng 0)",
                    "Dòng 8: tổ đang có tổ trưởng \(leader.fullName); ghi ngày thôi hoặc đổi vai trò của người đó trong cùng tệp",
                ] { #expect(html.contains(line), "\(line)") }
                #expect(!html.contains("Xác nhận nhập"))
            }
            #expect(try await Member.query(on: app.db).count() == before)
            // The leader steps down in the same file; the new one takes over.
            let good = """
                village,full_name,role,phone,joined_on,left_on
                Vàng Danh 3,Nguyễn Thị Mai,tổ viên,0912 345 678,2025-08-01,
                Vàng Danh 3,\(leader.fullName),tổ viên,,\(leader.recognisedOn),2025-12-31
                Vàng Danh 3,Trần Văn F,tổ trưởng,,2026-01-01,
                """
            var text = ""
            try await uploadFile(app, officer, "/members/import", good, fields: ["unit": ward]) { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Tệp hợp lệ: 2 người thêm mới, 1 người cập nhật."))
                text = try carriedDraft(res.body.string)
            }
            #expect(try await Member.query(on: app.db).count() == before)
            try await officer.post(app, "/members/import/confirm", ["draft": text, "unit": ward]) { res in
                #expect(res.status == .seeOther)
                #expect(res.headers.first(name: .location) == "/units/\(ward)")
            }
            #expect(try await Member.query(on: app.db).count() == before + 2)
            let now = try await Member.query(on: app.db).filter(\.$team.$id == team.requireID()).all()
            #expect(now.first { $0.fullName == "Nguyễn Thị Mai" }?.phone == "0912345678")
            #expect(now.first { $0.id == leader.id }?.leftOn == "2025-12-31")
            #expect(now.first { $0.id == leader.id }?.role == .member)
            #expect(now.filter { $0.role == .leader && $0.leftOn == nil }.map(\.fullName) == ["Trần Văn F"])
            let audit = try #require(try await AuditEntry.query(on: app.db).filter(\.$action == "members.import").first())
            #expect(audit.after == #"{"added":2,"updated":1}"# && audit.entityID == ward && audit.after?.contains("Mai") == false)
            // The same file again changes no count: everyone is now known.
            try await uploadFile(app, officer, "/members/import", good, fields: ["unit": ward]) { res in
                #expect(res.body.string.contains("Tệp hợp lệ: 0 người thêm mới, 3 người cập nhật."))
            }
            var csv = ""
            try await officer.get(app, "/members/export.csv?unit=\(ward)") { res in
                #expect(res.body.string.contains("\r\nVàng Danh 3,Nguyễn Thị Mai,tổ viên,0912345678,2025-08-01,\r\n"))
                // Its phone cell was empty in the file, so the phone is gone; a file without the column keeps it.
                #expect(res.body.string.contains("\r\nVàng Danh 3,\(leader.fullName),tổ viên,,\(leader.recognisedOn),2025-12-31\r\n"))
                csv = res.body.string
            }
            // The same list as a workbook: the same rows, and a file the import takes back as it is.
            try await officer.get(app, "/members/export.xlsx?unit=\(ward)") { res in
                #expect(res.headers.contentType?.subType == "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                #expect(res.headers.contentDisposition?.filename == "thidua-members-06820.xlsx")
                let rows = cellTexts(try XLSX.read(Data(buffer: res.body)))
                #expect(rows == CSVText.rows(csv).map { row in Array(row.reversed().drop { $0.isEmpty }.reversed()) })
            }
        }
    }

    @Test("A file larger than the first read, over a real socket: the form's token is read from the whole body")
    func largeUpload() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let officer = Browser()
            try await officer.signIn(app, "ca.phuongvangdanh", "demo-password-for-tests")
            // 1,000 members: a file of some 60 kB, which arrives in several pieces.
            let file = (["village,full_name,role,phone,joined_on,left_on"] + (1...1000).map { "Vàng Danh 3,Nguyễn Văn Thành \($0),tổ viên,,2025-08-01," })
                .joined(separator: "\n")
            let (headers, body) = uploadForm(officer, bytes: Data(file.utf8), name: "tep.csv", type: "text/csv",
                                             fields: ["unit": DemoUnits.ward2025("Vàng Danh").uuidString])
            let answer = try await overSocket(app, .POST, "/members/import", headers: headers, body: body)
            #expect(answer.status == .ok)
            #expect(answer.body.map { String(buffer: $0) }?.contains("Tệp hợp lệ: 1.000 người thêm mới, 0 người cập nhật.") == true)
        }
    }

    @Test("Only those who write a commune's data, for a commune they write")
    func scope() async throws {
        try await withApp { app in
            try await loadDemo(app)
            let yenTu = DemoUnits.ward2025("Yên Tử").uuidString
            let officer = Browser()
            try await officer.signIn(app, "ca.phuongvangdanh", "demo-password-for-tests")
            // Another commune reads as missing, its file and its export too.
            try await officer.get(app, "/members/import?unit=\(yenTu)") { #expect($0.status == .notFound) }
            try await officer.get(app, "/members/export.csv?unit=\(yenTu)") { #expect($0.status == .notFound) }
            try await uploadFile(app, officer, "/members/import", "village,full_name,role,joined_on\nPhương Đông 1,A,tổ viên,2025-08-01",
                                 fields: ["unit": yenTu]) { #expect($0.status == .notFound) }
            // An ended commune takes no new members.
            try await officer.get(app, "/members/import?unit=06808") { #expect($0.status == .notFound) }
            let leader = Browser()
            try await leader.signIn(app, "totruong.vangdanh3", "demo-password-for-tests")
            try await leader.get(app, "/members/import") { #expect($0.status == .forbidden) }
            try await leader.get(app, "/members/export.csv") { #expect($0.status == .forbidden) }
            let secretariat = Browser()
            try await secretariat.signIn(app, "thuongtruc", "demo-password-for-tests")
            try await secretariat.get(app, "/members/import") { #expect($0.status == .badRequest) }
            try await secretariat.get(app, "/members/import?unit=\(yenTu)") { #expect($0.status == .ok) }
            // A file that is not text.
            try await uploadFile(app, secretariat, "/members/import", "a\u{0}b", fields: ["unit": yenTu]) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.string.contains("Không đọc được tệp"))
            }
        }
    }
}

@Suite("A commune's villages from a CSV file")
struct VillageImportServiceTests {
    @Test("New villages get codes and teams; known ones are updated; codes in use are refused; a code names the village")
    func importVillages() async throws {
        try await withApp { app in
            try await loadDemo(app, sampleRecords: true)
            let today = VietnamTime.localDate(of: Date())
            var graph = try await UnitService.graph(on: app.db)
            let ward = try #require(UnitService.find("06820", on: today, in: graph))
            #expect(ward.fullName == "phường Vàng Danh")
            // The demo's villages carry their commune's code and a number, kept when they moved.
            #expect(UnitService.find("06808-03", on: today, in: graph)?.fullName == "khu Vàng Danh 3")
            // A code of a village of another commune is taken.
            // Another commune's village by its code is a move, on a day the file must give.
            let bad = try await VillageImportService.check(.csv("village,kind,code\nTân Lập,thôn,06832-01\n"), commune: ward, graph: graph, today: today, on: app.db)
            #expect(bad.problems.map(\.key) == ["import.moveNeedsDay"] && bad.problems.first?.arguments["village"] == "khu Phương Đông 1")
            // A new village takes its commune's code, not another's.
            let foreign = try await VillageImportService.check(.csv("village,kind,code\nTân Lập,thôn,06808-77\n"), commune: ward, graph: graph, today: today, on: app.db)
            #expect(foreign.problems.map(\.key) == ["import.villageCode"])
            let file = "village,kind,code,population,households\nTân Lập,thôn,,900,250\nVàng Danh 3,khu,06808-03,1.200,\n"
            let checked = try await VillageImportService.check(.csv(file), commune: ward, graph: graph, today: today, on: app.db)
            #expect(checked.problems == [])
            // 06820-01 to -10 are old Trưng Vương's villages (some now in phường Uông Bí): the next free one is 11.
            #expect(checked.rows.map(\.code) == ["06820-11", "06808-03"] && checked.added == 1 && checked.updated == 1)
            let teams = try await Team.query(on: app.db).count()
            let counts = try await VillageImportService.commit(checked, actor: "test", on: app.db)
            #expect(counts["added"] == "1" && counts["updated"] == "1" && counts["moved"] == "0")
            graph = try await UnitService.graph(on: app.db)
            let village = try #require(UnitService.find("06820-11", on: today, in: graph))
            #expect(village.fullName == "thôn Tân Lập" && village.population == 900 && village.households == 250)
            #expect(graph.parent(of: village.id, on: today) == ward.id)
            #expect(UnitService.find("06808-03", on: today, in: graph)?.population == 1200)
            #expect(try await Team.query(on: app.db).count() == teams + 1)
            // The members import knows the new village by its code.
            let members = try await MemberImportService.check(.csv("village,full_name,role,joined_on\n06820-11,Lò Văn Páo,tổ trưởng,2025-09-01\n"),
                                                              commune: ward, graph: graph, today: today, on: app.db)
            #expect(members.problems == [] && members.rows.first?.village.id == village.id)
            // In the browser: the commune's police preview a file, confirm it, and export the list back.
            let officer = Browser()
            try await officer.signIn(app, "ca.phuongvangdanh", "demo-password-for-tests")
            try await officer.get(app, "/units/\(ward.id.uuidString)") { #expect($0.body.string.contains("/villages/import?unit=\(ward.id.uuidString)")) }
            var text = ""
            try await uploadFile(app, officer, "/villages/import", "village,kind,code\nTân Lập,thôn,06832-01\n", fields: ["unit": ward.id.uuidString]) { res in
                #expect(res.status == .unprocessableEntity)
                // Tân Lập is the ward's now: another's code for it is taken.
                #expect(res.body.string.contains("Dòng 2: mã 06832-01 đã là của khu Phương Đông 1"))
            }
            try await uploadFile(app, officer, "/villages/import", "village,kind\nHồng Hà,khu\n", fields: ["unit": ward.id.uuidString]) { res in
                #expect(res.status == .ok)
                #expect(res.body.string.contains("Tệp hợp lệ: 1 thôn, khu thêm mới, 0 cập nhật.") && res.body.string.contains("06820-12"))
                text = try carriedDraft(res.body.string)
            }
            try await officer.post(app, "/villages/import/confirm", ["draft": text, "unit": ward.id.uuidString]) { #expect($0.status == .seeOther) }
            try await officer.get(app, "/villages/export.csv?unit=06820") { res in
                #expect(res.body.string.contains("\r\nHồng Hà,khu,06820-12,,,\r\n") && res.body.string.contains("\r\nTân Lập,thôn,06820-11,900,250,\r\n"))
            }
            // The same file again adds nothing: both villages are known now.
            let again = try await VillageImportService.check(.csv(file), commune: ward, graph: graph, today: today, on: app.db)
            #expect(again.added == 0 && again.updated == 2 && again.rows.map(\.code) == ["06820-11", "06808-03"])

            // A village of phường Quang Trung moves to Vàng Danh from 01/08/2025 with its records of those days; not
            // while a month they fall in is approved.
            graph = try await UnitService.graph(on: app.db)
            let moving = try #require(UnitService.find("06832-01", on: today, in: graph))
            let quangTrung = try #require(graph.parent(of: moving.id, on: today))
            let from = "2025-08-01"
            let theirs = try await Record.query(on: app.db).filter(\.$villageID == moving.id).filter(\.$occurredOn >= from).count()
            let before = try await Record.query(on: app.db).filter(\.$villageID == moving.id).filter(\.$occurredOn < from).count()
            #expect(theirs > 0 && before > 0)
            let lock = MonthReviewRow()
            lock.communeID = quangTrung; lock.month = "2025-08"; lock.state = "approved"; lock.updatedBy = "test"
            try await lock.create(on: app.db)
            let move = "village,kind,code,since\nPhương Đông 1,khu,06832-01,2025-08-01\n"
            let locked = try await VillageImportService.check(.csv(move), commune: ward, graph: graph, today: today, on: app.db)
            #expect(locked.problems.map(\.key) == ["import.moveIntoLockedMonth"] && locked.problems.first?.arguments["month"] == "08/2025")
            try await lock.delete(on: app.db)
            let open = try await VillageImportService.check(.csv(move), commune: ward, graph: graph, today: today, on: app.db)
            #expect(open.problems == [] && open.moved == 1 && open.refiled[2] == theirs)
            let moved = try await VillageImportService.commit(open, actor: "test", on: app.db)
            #expect(moved["moved"] == "1" && moved["records"] == String(theirs))
            graph = try await UnitService.graph(on: app.db)
            #expect(graph.parent(of: moving.id, on: LocalDate(iso: "2025-07-31")!) == quangTrung)
            #expect(graph.parent(of: moving.id, on: LocalDate(iso: "2025-08-01")!) == ward.id && graph.parent(of: moving.id, on: today) == ward.id)
            #expect(try await Record.query(on: app.db).filter(\.$villageID == moving.id).filter(\.$communeID == ward.id).count() == theirs)
            #expect(try await Record.query(on: app.db).filter(\.$villageID == moving.id).filter(\.$communeID != ward.id).count() == before)
            // The totals followed the records.
            #expect(try await RecordTotals.differences(on: app.db).differing == 0)
            let leader = Browser()
            try await leader.signIn(app, "totruong.vangdanh3", "demo-password-for-tests")
            try await leader.get(app, "/villages/import") { #expect($0.status == .forbidden) }
        }
    }
}
