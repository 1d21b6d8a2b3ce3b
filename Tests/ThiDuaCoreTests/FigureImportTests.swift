import Foundation
import Testing
@testable import ThiDuaCore

@Suite("Files of monthly figures")
struct FigureImportTests {
    let latest = Month(text: "2025-08")!

    @Test("CSV as spreadsheets write it: quotes, commas and line breaks inside them, CRLF, a BOM, semicolons")
    func csv() {
        #expect(CSVText.rows("a,b\r\n1,\"x, y\"\r\n") == [["a", "b"], ["1", "x, y"]])
        #expect(CSVText.rows("\u{FEFF}a,b\n\"say \"\"hi\"\"\",\"two\nlines\"\n\n") == [["a", "b"], ["say \"hi\"", "two\nlines"]])
        #expect(CSVText.rows("unit;month;reoffenders\n06808;2025-07;1") == [["unit", "month", "reoffenders"], ["06808", "2025-07", "1"]])
        #expect(CSVText.rows("") == [])
    }

    @Test("A good file: each row with its line; empty cells leave a kind out; 1.980 is 1980")
    func good() {
        let text = "unit,month,under14_population,under14_with_id_card\n06808,2025-07,\"1.980\",1900\n06811,2025-07,,12\n"
        let (rows, problems) = FigureImport.read(text, latest: latest)
        #expect(problems.isEmpty)
        #expect(rows == [
            .init(line: 2, unit: "06808", month: Month(text: "2025-07")!, values: [.under14Population: 1980, .under14WithIdCard: 1900]),
            .init(line: 3, unit: "06811", month: Month(text: "2025-07")!, values: [.under14WithIdCard: 12]),
        ])
    }

    @Test("Every mistake said with its line; a bad header stops the reading")
    func bad() {
        let text = """
        unit,month,reoffenders,traffic_accidents
        06808,2025-13,1,2
        ,2025-07,1,
        06808,2025-09,1,2
        06808,2025-07,-1,hai
        06808,2025-07,1,2
        06811,2025-07,,
        06811,2025-06,1,2,3
        06811,2025-05,1,2
        06811,2025-05,3,4
        """
        let (rows, problems) = FigureImport.read(text, latest: latest)
        #expect(problems == [
            .init(line: 2, key: "import.month", arguments: ["value": "2025-13", "column": "month"]),
            .init(line: 3, key: "import.unitMissing"),
            .init(line: 4, key: "import.monthFuture", arguments: ["value": "2025-09"]),
            .init(line: 5, key: "import.value", arguments: ["column": "reoffenders", "value": "-1"]),
            .init(line: 5, key: "import.value", arguments: ["column": "traffic_accidents", "value": "hai"]),
            .init(line: 6, key: "import.duplicateRow", arguments: ["first": "5"]),
            .init(line: 7, key: "import.noValues"),
            .init(line: 8, key: "import.extraCells"),
            .init(line: 10, key: "import.duplicateRow", arguments: ["first": "9"]),
        ])
        #expect(rows.map(\.line) == [5, 7, 9])
        let header = FigureImport.read("commune,month,kids\n06808,2025-07,1", latest: latest)
        #expect(header.rows.isEmpty)
        #expect(header.problems.map(\.key) == ["import.unknownColumn", "import.unknownColumn", "import.header"])
        #expect(FigureImport.read("unit,month,reoffenders\n", latest: latest).problems.map(\.key) == ["import.noRows"])
        #expect(FigureImport.read("", latest: latest).problems.map(\.key) == ["import.empty"])
    }
}
