#!/usr/bin/env python3
"""Captures the raw XML bodies that real S3-compatible servers answer, for S3XMLParserTests.

    python3 Fixtures/s3xml/capture.py ENDPOINT SERVER-NAME [ACCESS_KEY SECRET_KEY]

Creates a bucket, uploads keys with characters XML must escape, then saves, as
Fixtures/s3xml/SERVER-NAME-*.xml, the body exactly as the server sent it of: a truncated
ListObjectsV2 page, its next page, a page with encoding-type=url (those three are what boto3
asks for), a page without it (what cfdev-telemetry asks for), the errors of a missing key,
a missing bucket and a bad signature, and the bucket's lifecycle configuration after a PUT.
A call whose answer has no XML body is skipped. Needs boto3."""
import sys
from pathlib import Path

import boto3
from botocore import handlers
from botocore.config import Config

endpoint, server = sys.argv[1].rstrip("/"), sys.argv[2]
access, secret = (sys.argv[3], sys.argv[4]) if len(sys.argv) > 4 else ("AKIDEXAMPLE", "secret")
bucket = "xml-fixtures"
out = Path(__file__).resolve().parent
KEYS = ["events/v1/dt=2026-11-30/a & b.ndjson.gz", "events/v1/dt=2026-11-30/<tag>.ndjson.gz",
        "events/v1/dt=2026-12-01/ü \"quoted\" 'single'.ndjson.gz", "events/v1/dt=2026-12-01/plain.ndjson.gz"]
last_body = {}


def client(secret_key):
    c = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=access,
                     aws_secret_access_key=secret_key,
                     config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
    c.meta.events.register("after-call", lambda http_response, **_: last_body.update(body=http_response.content,
                                                                                      status=http_response.status_code))
    c.meta.events.register("needs-retry", lambda response, **_: last_body.update(
        body=response[0].content, status=response[0].status_code) if response else None)
    return c


def save(name, call):
    last_body.clear()
    try:
        call()
    except Exception as error:  # the error answers are what we want
        print(f"{server}-{name}: {type(error).__name__}")
    body = last_body.get("body", b"")
    if not body.lstrip().startswith(b"<?xml") and not body.lstrip().startswith(b"<") or body.lstrip().startswith(b"<!"):
        print(f"{server}-{name}: HTTP {last_body.get('status')}, no XML body; skipped")
        return None
    if name.startswith("error") and last_body.get("status", 0) < 400:
        print(f"{server}-{name}: HTTP {last_body.get('status')}, not an error; skipped")
        return None
    (out / f"{server}-{name}.xml").write_bytes(body)
    print(f"{server}-{name}.xml: HTTP {last_body.get('status')}, {len(body)} bytes")
    return body


s3 = client(secret)
s3.create_bucket(Bucket=bucket)
for key in KEYS:
    s3.put_object(Bucket=bucket, Key=key, Body=b"x")
page = {}
save("list-truncated", lambda: page.update(s3.list_objects_v2(Bucket=bucket, Prefix="events/", MaxKeys=2)))
if page.get("NextContinuationToken"):
    save("list-next", lambda: s3.list_objects_v2(Bucket=bucket, Prefix="events/", MaxKeys=2,
                                                 ContinuationToken=page["NextContinuationToken"]))
save("list-url-encoded", lambda: s3.list_objects_v2(Bucket=bucket, Prefix="events/", EncodingType="url"))
# boto3 asks for encoding-type=url unless told not to; cfdev-telemetry never does.
s3.meta.events.unregister("before-parameter-build.s3.ListObjectsV2", handlers.set_list_objects_encoding_type_url)
save("list-plain", lambda: s3.list_objects_v2(Bucket=bucket, Prefix="events/"))
save("error-no-such-key", lambda: s3.get_object(Bucket=bucket, Key="no/such key.gz"))
save("error-no-such-bucket", lambda: s3.list_objects_v2(Bucket="no-such-bucket-here"))
save("error-bad-signature", lambda: client("wrong-secret").list_objects_v2(Bucket=bucket))
rule = {"ID": "keep-logs-short", "Filter": {"Prefix": "logs/"}, "Status": "Enabled", "Expiration": {"Days": 7}}
try:
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [rule]})
    save("lifecycle", lambda: s3.get_bucket_lifecycle_configuration(Bucket=bucket))
except Exception as error:
    print(f"{server}-lifecycle: PUT refused ({type(error).__name__}); skipped")
