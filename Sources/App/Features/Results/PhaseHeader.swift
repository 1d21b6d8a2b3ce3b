import ThiDuaCore

/// What heads every page of a phase's results: the movement, the phase and its days, the day of the figures, and
/// whether the movement is only an illustration.
struct PhaseHeader: Encodable, Sendable {
    var movementName: String
    var movementHref: String
    var phaseName: String
    var phaseSpan: String
    var asOf: String
    var illustrative: Bool

    init(plan: Plan, phase: Phase, window: EvaluationWindow) {
        movementName = plan.theme
        movementHref = SiteURL.movement(plan.id).path
        phaseName = phase.name
        phaseSpan = "\(phase.start.display) – \(phase.end.display)"
        asOf = window.asOf.display
        illustrative = plan.isIllustrative
    }
}
