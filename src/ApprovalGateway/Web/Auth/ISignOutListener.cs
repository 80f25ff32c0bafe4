namespace ApprovalGateway.Web.Auth;

/// <summary>Told when an approver signs out, so what that sign-in opened (the live page's connections) ends with it.</summary>
internal interface ISignOutListener
{
    void SignedOut(string approver);
}
