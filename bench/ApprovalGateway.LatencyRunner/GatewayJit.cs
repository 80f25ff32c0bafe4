using System.Globalization;
using ApprovalGateway.Testing;

namespace ApprovalGateway.LatencyRunner;

/// <summary>
/// The JIT compile time a gateway reports on its Prometheus endpoint (the runtime's <c>System.Runtime</c> meter, on by
/// default): it stops growing once the runtime has recompiled the code its calls run hot.
/// </summary>
internal static class GatewayJit
{
    private const string Counter = "dotnet_jit_compilation_time_seconds_total";

    private static readonly HttpClient Http = new();

    public static Func<Task<TimeSpan>> Reader(GatewayProcess gateway) => async () =>
    {
        var text = await Http.GetStringAsync(new Uri(gateway.BaseAddress, "/metrics"));
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            if (line.StartsWith(Counter) && line.Length > Counter.Length && line[Counter.Length] is '{' or ' ')
            {
                var value = line[(line.LastIndexOf(' ') + 1)..];
                return TimeSpan.FromSeconds(double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture));
            }
        }

        throw new InvalidOperationException($"{gateway.BaseAddress}metrics has no {Counter}: are the gateway's metrics off?");
    };
}
