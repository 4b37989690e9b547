"""Glue job curate-churn: joins customers and transactions into the churn training set.

Uploaded by the data account's stack under a key that carries this file's SHA-256; edit it and the
next apply uploads the new version and points the job at it.
"""
import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME", "input_databases", "output_path"])
glue = GlueContext(SparkContext.getOrCreate())
job = Job(glue)
job.init(args["JOB_NAME"], args)
customers_db, transactions_db = args["input_databases"].split(",")[:2]
# transformation_ctx names the bookmark state: only new transactions are read on the next run.
customers = glue.create_dynamic_frame.from_catalog(database=customers_db, table_name="customers", transformation_ctx="customers").toDF()
transactions = glue.create_dynamic_frame.from_catalog(database=transactions_db, table_name="v2", transformation_ctx="transactions").toDF()
features = transactions.groupBy("customer_id").count().withColumnRenamed("count", "transactions")
customers.join(features, "customer_id", "left").write.mode("append").parquet(args["output_path"])
job.commit()
