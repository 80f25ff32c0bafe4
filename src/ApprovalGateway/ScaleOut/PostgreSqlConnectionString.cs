using Npgsql;

namespace ApprovalGateway.ScaleOut;

/// <summary>
/// Checks a PostgreSQL connection string setting with the options, before anything opens it: Npgsql throws
/// <see cref="ArgumentException"/> for one that does not parse, which escaped start-up as an unhandled exception
/// (exit 134 and a stack trace, which a service manager restarts for ever) where a settings mistake gets one line and 78.
/// </summary>
internal static class PostgreSqlConnectionString
{
    /// <summary>Null when <paramref name="value"/> parses (or is not set); else the line to print, without the value, which may hold a password.</summary>
    public static string? Problem(string setting, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        try
        {
            _ = new NpgsqlConnectionStringBuilder(value);
            return null;
        }
        catch (ArgumentException ex)
        {
            return $"{setting} is not a PostgreSQL connection string ({ex.Message}); give Host=...;Database=...;Username=...;Password=...";
        }
    }
}
