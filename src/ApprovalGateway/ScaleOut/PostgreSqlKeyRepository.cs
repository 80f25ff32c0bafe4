using System.Xml.Linq;
using ApprovalGateway.Approvals;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
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

    // The lock key is the ASCII of "AGKEYS".
    private readonly PostgreSqlTable _table = new(71774461319507, $"""
        CREATE TABLE IF NOT EXISTS {Table} (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            xml text NOT NULL,
            created timestamptz NOT NULL DEFAULT now());
        """);

    // The ASCII of "AGKEY1"; not the table's key, which the reads under this lock may take to create the table.
    private const long FirstKeyLock = 71774461319473;

    /// <summary>
    /// Before the gateway serves, makes sure the ring holds a key in force. Left to ASP.NET Core, instances started
    /// together on an empty database (or one whose keys have all expired) each made a key of their own on first use;
    /// two minutes later, when ASP.NET Core stops re-reading the ring for keys it does not know, each refused the
    /// sign-ins sealed by the others for a day. Under a lock, the first instance makes the key and the others find it.
    /// </summary>
    public void EnsureKeyInForce(IKeyManager keys, KeyManagementOptions options)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        using (var wait = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({FirstKeyLock})", connection, transaction))
        {
            wait.ExecuteNonQuery();
        }

        var now = DateTimeOffset.UtcNow;
        if (!keys.GetAllKeys().Any(k => !k.IsRevoked && k.ActivationDate <= now && k.ExpirationDate > now))
        {
            keys.CreateNewKey(now, now + options.NewKeyLifetime);
        }

        transaction.Commit();
    }

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
            _table.EnsureCreated(connection);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}
