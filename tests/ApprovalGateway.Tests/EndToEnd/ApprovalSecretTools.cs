using System.ComponentModel;
using ModelContextProtocol.Server;

namespace ApprovalGateway.Tests.EndToEnd;

[McpServerToolType]
internal sealed class ApprovalSecretTools(ApprovalSecretUpstream upstream)
{
    public const string ConnectBroker = "ConnectBrokerAccount";

    [McpServerTool(Name = ConnectBroker, Destructive = true)]
    [Description("Link a broker account with its API key.")]
    public string Connect(string account, string apiKey)
    {
        upstream.ReceivedKeys.Enqueue(apiKey);
        return $"linked {account}";
    }
}
