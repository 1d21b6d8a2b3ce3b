import Fluent

/// Every migration, in the order it must run. Append; never reorder or edit one that has shipped: each states its
/// tables, columns, kinds and indexes literally, as history, and never calls today's code.
func migrationList() -> [any Migration] {
    [
        CreateMovement(),
        CreateUnits(),
        CreateUnitParentLinks(),
        CreateUnitSuccessions(),
        CreateTeams(),
        CreateMembers(),
        CreateUsers(),
        CreateAPITokens(),
        SessionRecord.migration,
        CreateAuditEntries(),
        // The first release with records (4312424) ended here.
        CreateRecords(),
        CreateFigures(),
        CreateAssessments(),
        CreateStructureVersion(),
        CreateRecordTotals(),
        CreateRecordsInForceIndex(),
        CreateSignInFailures(),
        MakeRecordTotalsUnique(),
        CreateMonthReviews(),
        AddAccountSecurity(),
        CreatePublishedPhases(),
        CreateKeptFacts(),
        CreateTips(),
        CreateReviews(),
        CreateReportsAndAwards(),
        CreateImportDrafts(),
        AddDecisionAuthority(),
        CreateTipKeyChecks(),
        AddTipRetention(),
        CreateTipRetiredPeppers(),
        AddUserHeadsPolice(),
        AddSessionSeenAt(),
        FoldUsernames(),
        CreateRemovedRows(),
    ]
}

/// How many migrations the first release with records had.
let firstReleaseMigrationCount = 13

func registerMigrations(_ migrations: Migrations) {
    for migration in migrationList() { migrations.add(migration) }
}
