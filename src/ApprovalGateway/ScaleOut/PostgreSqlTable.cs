using Npgsql;

namespace ApprovalGateway.ScaleOut;

/// <summary>
/// A table a scale-out feature creates on first use. Instances starting together would race on
/// <c>CREATE TABLE IF NOT EXISTS</c>, so each creates under a transaction-scoped advisory lock and they take turns.
/// </summary>
/// <param name="lockKey">A key no other feature locks on.</param>
/// <param name="createSql">Statements that create the table and its indexes if missing.</param>
internal sealed class PostgreSqlTable(long lockKey, string createSql)
{
    private volatile bool _created;

    public void EnsureCreated(NpgsqlConnection connection)
    {
        if (_created)
        {
            return;
        }

        using var transaction = connection.BeginTransaction();
        using (var create = Command(connection, transaction))
        {
            create.ExecuteNonQuery();
        }

        transaction.Commit();
        _created = true;
    }

    public async Task EnsureCreatedAsync(NpgsqlConnection connection)
    {
        if (_created)
        {
            return;
        }

        await using var transaction = await connection.BeginTransactionAsync();
        await using (var create = Command(connection, transaction))
        {
            await create.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
        _created = true;
    }

    private NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction transaction) =>
        new($"SELECT pg_advisory_xact_lock({lockKey}); {createSql}", connection, transaction);
}
