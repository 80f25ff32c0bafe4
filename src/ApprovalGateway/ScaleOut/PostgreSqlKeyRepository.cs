using System.Xml.Linq;
using ApprovalGateway.Approvals;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ApprovalGateway.ScaleOut;

/// <summary>
/// The data protection key ring in the database the instances share, so a sign-in cookie or anti-forgery token
/// sealed by one instance opens on every other: behind a load balancer an approver's next request may land anywhere.
/// </summary>
/// <remarks>
/// The keys are stored as ASP.NET Core writes them, not encrypted at rest: whoever can read this table can forge a
/// sign-in, as whoever can write the Hangfire tables next to it can decide approvals. Protect the database accordingly.
/// </remarks>
internal sealed class PostgreSqlKeyRepository(IOptions<HangfireOptions> options) : IXmlRepository
{
    public const string Table = "data_protection_keys";

    // Any key no other feature locks on: the ASCII of "AGKEYS" as a bigint. Text, so it can sit in the SQL constant.
    private const string LockKey = "71774461319507";

    // Instances starting together would race to create the table; the transaction-scoped lock makes them take turns.
    private const string CreateSql = $"""
        SELECT pg_advisory_xact_lock({LockKey});
        CREATE TABLE IF NOT EXISTS {Table} (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            xml text NOT NULL,
            created timestamptz NOT NULL DEFAULT now());
        """;

    private volatile bool _created;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = Open();
        using var command = new NpgsqlCommand($"SELECT xml FROM {Table} ORDER BY id", connection);
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = Open();
        using var command = new NpgsqlCommand($"INSERT INTO {Table} (name, xml) VALUES (@name, @xml)", connection);
        command.Parameters.AddWithValue("name", friendlyName);
        command.Parameters.AddWithValue("xml", element.ToString(SaveOptions.DisableFormatting));
        command.ExecuteNonQuery();
    }

    private NpgsqlConnection Open()
    {
        var connection = new NpgsqlConnection(options.Value.ConnectionString);
        try
        {
            connection.Open();
            if (!_created)
            {
                using var transaction = connection.BeginTransaction();
                using var create = new NpgsqlCommand(CreateSql, connection, transaction);
                create.ExecuteNonQuery();
                transaction.Commit();
                _created = true;
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}
