namespace ApprovalGateway.Proxy.Tasks;

/// <summary>MCP 2025-11-25 Tasks wire names; SDK 2.4.0 has no constants for them.</summary>
internal static class TaskMethods
{
    public const string Get = "tasks/get";
    public const string Result = "tasks/result";
    public const string Cancel = "tasks/cancel";
    public const string List = "tasks/list";
    public const string StatusNotification = "notifications/tasks/status";
    public const string RelatedTaskMeta = "io.modelcontextprotocol/related-task";

    /// <summary>The first protocol version with Tasks; older agents get today's behaviour.</summary>
    public const string FirstProtocolVersion = "2025-11-25";

    /// <summary>Gateway task ids carry this prefix so they never collide with an upstream's own task ids.</summary>
    public const string IdPrefix = "gw-";

    public static bool IsTaskMethod(string method) => method is Get or Result or Cancel or List;
}
