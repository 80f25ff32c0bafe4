namespace ApprovalGateway.Testing;

/// <summary>
/// Where Debian's postgresql and redis-server packages put their servers. The launchers run these binaries
/// directly, in temporary folders, rather than the system services, so nothing outlives a run or touches the
/// machine's own databases.
/// </summary>
public static class DebianServers
{
    internal static string? PostgreSqlBin { get; } = Directory.Exists("/usr/lib/postgresql")
        ? Directory.GetDirectories("/usr/lib/postgresql")
            .Select(d => Path.Combine(d, "bin"))
            .Where(bin => File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl")))
            .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var version) ? version : 0)
            .FirstOrDefault()
        : null;

    internal static string? RedisServer { get; } = File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : null;

    /// <summary>The major version of the PostgreSQL found (its folder under /usr/lib/postgresql); empty when none is.</summary>
    public static string PostgreSqlVersion => Path.GetFileName(Path.GetDirectoryName(PostgreSqlBin)) ?? "";

    /// <summary>Why PostgreSQL and Redis cannot run here, with the command that installs them; null when both are installed.</summary>
    public static string? Unavailable =>
        (PostgreSqlBin, RedisServer) switch
        {
            (null, null) => "PostgreSQL and Redis are not installed (`apt-get install -y postgresql redis-server`)",
            (null, _) => "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; `apt-get install -y postgresql`)",
            (_, null) => "Redis is not installed (no /usr/bin/redis-server; `apt-get install -y redis-server`)",
            _ => null,
        };

    internal static string PostgreSqlTool(string name) =>
        Path.Combine(PostgreSqlBin ?? throw new InvalidOperationException(Unavailable), name);
}
