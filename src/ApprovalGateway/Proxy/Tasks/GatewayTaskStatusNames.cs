namespace ApprovalGateway.Proxy.Tasks;

internal static class GatewayTaskStatusNames
{
    public static string ToWireName(this GatewayTaskStatus status) => status switch
    {
        GatewayTaskStatus.Working => "working",
        GatewayTaskStatus.Completed => "completed",
        GatewayTaskStatus.Failed => "failed",
        _ => "cancelled",
    };
}
