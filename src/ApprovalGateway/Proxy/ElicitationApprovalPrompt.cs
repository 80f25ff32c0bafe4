using System.Text.Json;
using ApprovalGateway.Approvals;
using ApprovalGateway.Policy.Text;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalGateway.Proxy;

/// <summary>
/// The approval prompt as an MCP <c>elicitation/create</c> (form mode), sent on the stream of the waiting call so
/// it reaches the client that made it: a required approve/reject choice and an optional reason.
/// </summary>
internal sealed class ElicitationApprovalPrompt(McpServer server) : IClientApprovalPrompt
{
    public async Task<ClientApprovalAnswer?> AskAsync(string message, CancellationToken cancellationToken)
    {
        var result = await server.ElicitAsync(
            new ElicitRequestParams
            {
                Message = message,
                RequestedSchema = new ElicitRequestParams.RequestSchema
                {
                    Properties = new Dictionary<string, ElicitRequestParams.PrimitiveSchemaDefinition>
                    {
                        ["decision"] = new ElicitRequestParams.UntitledSingleSelectEnumSchema
                        {
                            Title = "Decision",
                            Enum = ["approve", "reject"],
                        },
                        ["reason"] = new ElicitRequestParams.StringSchema { Title = "Reason (optional)", MaxLength = ApproverVote.MaxReasonLength },
                    },
                    Required = ["decision"],
                },
            },
            cancellationToken);

        if (!result.IsAccepted || result.Content is null || !result.Content.TryGetValue("decision", out var decision)
            || decision.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        // A reason longer than the form allows is cut rather than refused: a client that ignored the field's maxLength
        // still made its choice.
        var reason = result.Content.TryGetValue("reason", out var r) && r.ValueKind == JsonValueKind.String && r.GetString() is { Length: > 0 } text
            ? ShortText.Fit(text, ApproverVote.MaxReasonLength)
            : null;
        return decision.GetString() switch
        {
            "approve" => new ClientApprovalAnswer(true, reason),
            "reject" => new ClientApprovalAnswer(false, reason),
            _ => null,
        };
    }
}
