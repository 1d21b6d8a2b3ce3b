import Foundation

/// A form as it was sent: what was typed in each field, and a message per field that is wrong, in the user's
/// language. Pages render the message beside its field and keep what was typed; the API's 422 carries the same
/// messages (`AppError.fields`), so a rule says the same thing everywhere.
struct FormState: Encodable, Sendable, Equatable {
    var values: [String: String] = [:]
    var errors: [String: String] = [:]
    /// Said above the form: what went wrong as a whole ("3 fields need attention").
    var message: String?

    init(values: [String: String] = [:]) { self.values = values }

    /// The form with the message keys of an `AppError` translated.
    init(values: [String: String], errorKeys: [String: String], translator t: Translator) {
        self.init(values: values, errors: errorKeys.mapValues { t($0) }, translator: t)
    }

    /// The form with its messages as said (some need arguments), and the count of them above.
    init(values: [String: String], errors: [String: String], translator t: Translator) {
        self.values = values
        self.errors = errors
        if !errors.isEmpty { message = t("form.fix", ["count": String(errors.count)]) }
    }

    var isValid: Bool { errors.isEmpty }

    func value(_ field: String) -> String { values[field] ?? "" }
}

/// One field of a form as the templates draw it: its label, what was typed, its message. The form builders make
/// these, so every form's markup (label bound to input, message tied by `aria-describedby`) is written once.
struct FormField: Encodable, Sendable {
    enum Kind: String, Encodable, Sendable {
        case text, textarea, number, date, time, month, select, checkbox, password, file
        /// A number with decimals, typed with the decimal comma or point.
        case decimal
        /// Several boxes under one heading (`options`), each its own name.
        case checkboxes
        /// Shown, not changed (a team leader's village).
        case fixed
    }
    struct Option: Encodable, Sendable, Equatable {
        var value: String
        var label: String
        var selected: Bool
    }

    var name: String
    /// The element's id: its name, unless several forms on one page share names (`scoped`).
    var id: String
    var label: String
    var kind: Kind
    var value: String = ""
    var options: [Option] = []
    var required = false
    var error: String?
    var hint: String?
    var min: String?
    var max: String?
    /// The media types a file field offers to pick (the server still reads each file's type from its content).
    var accept: String?
    /// Several files at once, sent as `name[]`.
    var multiple = false

    /// The field with what the form state holds for it.
    static func make(_ name: String, _ label: String, _ kind: Kind, form: FormState, required: Bool = false,
                     options: [Option] = [], hint: String? = nil, min: String? = nil, max: String? = nil) -> FormField {
        let value = form.value(name)
        var opts = options
        if kind == .select { opts = options.map { Option(value: $0.value, label: $0.label, selected: $0.value == value) } }
        return FormField(name: name, id: name, label: label, kind: kind, value: value, options: opts, required: required,
                         error: form.errors[name], hint: hint, min: min, max: max)
    }

    /// The field with an id unique on a page of several forms.
    func scoped(_ prefix: String) -> FormField {
        var field = self
        field.id = prefix + "-" + name
        return field
    }
}
