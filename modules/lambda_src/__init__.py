"""Source of the Lambda functions mlops-tf packages at synth (zipped deterministically by modules/lambda_package.py)."""
