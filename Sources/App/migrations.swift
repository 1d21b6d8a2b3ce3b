import Fluent

/// Every migration, in the order it must run. Append; never reorder.
func registerMigrations(_ migrations: Migrations) {
    migrations.add(CreateMovement())
    migrations.add(CreateUnits())
    migrations.add(CreateUnitParentLinks())
    migrations.add(CreateUnitSuccessions())
    migrations.add(CreateTeams())
    migrations.add(CreateMembers())
    migrations.add(CreateUsers())
    migrations.add(CreateAPITokens())
    migrations.add(SessionRecord.migration)
    migrations.add(CreateAuditEntries())
    migrations.add(CreateRecords())
    migrations.add(CreateFigures())
    migrations.add(CreateAssessments())
    migrations.add(CreateStructureVersion())
    migrations.add(CreateRecordTotals())
    migrations.add(CreateRecordsInForceIndex())
    migrations.add(CreateSignInFailures())
    migrations.add(MakeRecordTotalsUnique())
}
