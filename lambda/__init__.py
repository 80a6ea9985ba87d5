"""``serverless_inference_runtime``: the CDK-free half of cdk-serverless-inference.

What AWS allows (:mod:`.limits`, :mod:`.image_uri`), what a model artifact holds and the
layout and size rules it must meet (:mod:`.artifact_contents`, :mod:`.artifact_rules`: the
constructs and the command judge artifacts with them), and the code that runs in AWS: the
keep-warm function (:mod:`.keep_warm`), the module that invokes an endpoint and classifies its
errors (:mod:`.sagemaker_runtime`) and the embedded-metric writer (:mod:`.emf`). No module
imports aws_cdk; only the modules that run in AWS import boto3, which Lambda provides.

The folder is ``lambda/`` in the source tree (setuptools maps it to this package name); the
constructs stage a copy of this whole package as each function's code asset.
"""
