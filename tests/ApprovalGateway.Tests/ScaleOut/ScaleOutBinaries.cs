using ApprovalGateway.Testing;

namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>Whether the scale-out tests may skip where PostgreSQL and Redis are not installed.</summary>
internal static class ScaleOutBinaries
{
    public const string RequiredVariable = "APPROVAL_GATEWAY_REQUIRE_SERVICES";

    /// <summary>.ci/run sets this, so missing servers fail there instead of passing as skipped.</summary>
    public static bool Required => Environment.GetEnvironmentVariable(RequiredVariable) == "1";

    public static string? SkipReason => Required || DebianServers.Unavailable is not { } missing
        ? null
        : $"{missing} (.ci/run installs them).";
}
