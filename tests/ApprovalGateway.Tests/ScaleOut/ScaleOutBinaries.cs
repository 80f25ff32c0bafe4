namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>Where Debian's PostgreSQL and Redis packages put their servers, and whether the tests may skip without them.</summary>
internal static class ScaleOutBinaries
{
    public static string? PostgreSqlBin { get; } = Directory.Exists("/usr/lib/postgresql")
        ? Directory.GetDirectories("/usr/lib/postgresql")
            .Select(d => Path.Combine(d, "bin"))
            .Where(bin => File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl")))
            .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var version) ? version : 0)
            .FirstOrDefault()
        : null;

    public static string? RedisServer { get; } = File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : null;

    public static bool Available => PostgreSqlBin is not null && RedisServer is not null;

    /// <summary>.ci/run sets this, so missing servers fail there instead of passing as skipped.</summary>
    public static bool Required => Environment.GetEnvironmentVariable("APPROVAL_GATEWAY_REQUIRE_SERVICES") == "1";

    public static string? SkipReason => Available || Required
        ? null
        : "PostgreSQL and Redis are not installed: run `apt-get install -y postgresql redis-server` (.ci/run does).";
}
