namespace ApprovalGateway.Tests.ScaleOut;

[CollectionDefinition(Name)]
public sealed class ScaleOutCollection : ICollectionFixture<ScaleOutServices>
{
    public const string Name = "Scale-out services";
}
