"""Messages SageMaker or a model may send, and what a client may see of them: every route of
the API (its Velocity templates, the fan-out function) redacts them by the same rule."""

REDACTION_CASES: dict[str, tuple[str, str]] = {
    "account": (
        "Endpoint foo of account 123456789012 not found.",
        "Endpoint foo of account <account> not found.",
    ),
    "sts-arn": (
        "User: arn:aws:sts::123456789012:assumed-role/Api-Role/session-1 is not authorized",
        "User: <arn> is not authorized",
    ),
    "china-arn": ("Could not read arn:aws-cn:s3:::models/model.tar.gz.", "Could not read <arn>."),
    "govcloud-arn": (
        "Endpoint arn:aws-us-gov:sagemaker:us-gov-west-1:123456789012:endpoint/foo: busy",
        "Endpoint <arn>: busy",
    ),
    "iso-arn": ("arn:aws-iso-b:iam::123456789012:role/x, retry", "<arn>, retry"),
    "account-in-text": ("account=123456789012;", "account=<account>;"),
    "quotes-and-backslashes": (
        'model said: "arn:aws:s3:::b/k" can\'t load \\ 123456789012',
        'model said: "<arn>" can\'t load \\ <account>',
    ),
    "no-secret": (
        "Input 'text' must be \"a string\" \\ got 12345678901 or 1234567890123 tokens",
        "Input 'text' must be \"a string\" \\ got 12345678901 or 1234567890123 tokens",
    ),
}
"""Case name -> (message, what the client sees)."""
