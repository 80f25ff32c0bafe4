namespace ApprovalGateway.Slack;

internal enum SlackSignatureCheck
{
    Valid,
    MissingHeaders,
    StaleTimestamp,
    Mismatch,
    NoSigningSecret,
}
