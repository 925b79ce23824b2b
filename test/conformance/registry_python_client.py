"""
Confluent's Python client (`confluent-kafka`, its SchemaRegistryClient and Avro serdes)
against a Confluent-compatible schema registry: registers, looks up, reads by id and
version, lists, checks compatibility, soft and hard deletes, and round-trips records
through AvroSerializer / AvroDeserializer. Every step asserts what Confluent's registry
answers; the first failure exits 1 naming the step.

    python registry_python_client.py <registry url> <unique suffix> [<deviation>,...]

A registry known to differ from Confluent's is run with the differences named in the
third argument (Apicurio 3.0 has all three):
  ids-subjects          no GET /schemas/ids/{id}/subjects: that check is skipped
  not-soft-deleted-409  a permanent delete of what was not soft-deleted first answers
                        HTTP 409 where Confluent answers 404 (the error codes agree)
  new-id-after-purge    a permanent delete of the last version that held a schema drops
                        its content (its id no longer resolves), so the same schema
                        registered again gets a new id: the id is not compared

Run by test/integration/registry-python-client.test.ts. On success it prints one JSON
line: the subjects it left registered, and the ids it saw, which the test checks against
the registry itself.
"""
import json
import struct
import sys
import traceback

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext

URL, SUFFIX = sys.argv[1], sys.argv[2]
DEVIATIONS = set(sys.argv[3].split(",")) if len(sys.argv) > 3 and sys.argv[3] else set()

READING_V1 = {
    "type": "record",
    "name": "SensorReading",
    "namespace": "fastdata.test",
    "fields": [
        {"name": "sensorId", "type": "string"},
        {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "temperature", "type": "double"},
    ],
}
# BACKWARD compatible: a new optional field with a default.
READING_V2 = {**READING_V1, "fields": READING_V1["fields"] + [{"name": "humidity", "type": ["null", "double"], "default": None}]}
# Not BACKWARD compatible: temperature changes type.
BREAKING = {**READING_V1, "fields": [READING_V1["fields"][0], {"name": "temperature", "type": "string"}]}

step_name = "start"


def step(name):
    global step_name
    step_name = name


def fresh_client():
    """A client with empty caches, so each read below goes to the registry."""
    return SchemaRegistryClient({"url": URL})


def avro(schema, indent=None):
    return Schema(json.dumps(schema, indent=indent), "AVRO")


def field_names(schema_str):
    return [field["name"] for field in json.loads(schema_str)["fields"]]


def refused(call, status, code):
    """Calls `call`, which must fail with this HTTP status and Confluent error code."""
    if code in (40405, 40407) and "not-soft-deleted-409" in DEVIATIONS:
        status = 409
    try:
        result = call()
    except SchemaRegistryError as error:
        assert (error.http_status_code, error.error_code) == (status, code), f"expected HTTP {status} / {code}, got {error}"
        return error
    raise AssertionError(f"expected HTTP {status} / {code}, got the answer {result!r}")


def main():
    client = SchemaRegistryClient({"url": URL})
    subject = f"py-{SUFFIX}.readings-value"

    step("register v1 and v2: global ids, idempotent")
    id1 = client.register_schema(subject, avro(READING_V1))
    id2 = client.register_schema(subject, avro(READING_V2))
    assert id1 != id2, (id1, id2)
    assert fresh_client().register_schema(subject, avro(READING_V1, indent=2)) == id1

    step("list subjects and versions (deleted=False in the query)")
    reader = fresh_client()
    assert subject in reader.get_subjects(), reader.get_subjects()
    assert reader.get_versions(subject) == [1, 2], reader.get_versions(subject)

    step("get by id, with and without ?subject=")
    by_id = fresh_client().get_schema(id1)
    assert by_id.schema_type == "AVRO" and field_names(by_id.schema_str) == ["sensorId", "ts", "temperature"], by_id
    assert field_names(fresh_client().get_schema(id2, subject_name=subject).schema_str)[-1] == "humidity"

    step("lookup (POST /subjects/{s}?normalize=False&deleted=False)")
    found = fresh_client().lookup_schema(subject, avro(READING_V1, indent=4))
    assert (found.schema_id, found.version, found.subject) == (id1, 1, subject), found
    refused(lambda: fresh_client().lookup_schema(subject, avro(BREAKING)), 404, 40403)
    refused(lambda: fresh_client().lookup_schema(f"py-{SUFFIX}.nothing-value", avro(READING_V1)), 404, 40401)

    step("latest and a version by number (deleted=False)")
    latest = fresh_client().get_latest_version(subject)
    assert (latest.schema_id, latest.version) == (id2, 2), latest
    v1 = fresh_client().get_version(subject, 1)
    assert (v1.schema_id, v1.version, v1.subject) == (id1, 1, subject), v1
    refused(lambda: fresh_client().get_version(subject, 7), 404, 40402)

    step("uses of an id (/schemas/ids/{id}/versions and /subjects)")
    # A shared registry may hold the same schemas under other runs' subjects: only ours count.
    uses = [(use.subject, use.version) for use in fresh_client().get_schema_versions(id2) if SUFFIX in use.subject]
    assert uses == [(subject, 2)], uses
    if "ids-subjects" not in DEVIATIONS:
        assert [s for s in fresh_client().get_subjects_by_schema_id(id1) if SUFFIX in s] == [subject]

    step("compatibility checks (normalize=False&verbose=False), and a refused registration")
    assert client.test_compatibility(subject, avro(READING_V2)) is True
    assert client.test_compatibility(subject, avro(BREAKING)) is False
    assert client.test_compatibility(subject, avro(BREAKING), version=1, verbose=True) is False
    assert client.test_compatibility_all_versions(subject, avro(READING_V2)) is True
    refused(lambda: client.register_schema(subject, avro(BREAKING)), 409, 409)

    step("compatibility levels: global, then one for the subject")
    assert client.get_compatibility() == "BACKWARD", client.get_compatibility()
    # Confluent echoes the request ({"compatibility": ...}); Apicurio answers {"compatibilityLevel": ...}.
    assert "FULL" in client.set_compatibility(subject_name=subject, level="FULL").values()
    assert client.get_compatibility(subject) == "FULL"
    assert client.get_config(subject).compatibility_level.value == "FULL"

    step("Avro serializer (auto-registers, normalize=False) and deserializer: a round trip")
    ctx = SerializationContext(f"py-{SUFFIX}.readings", MessageField.VALUE)
    record = {"sensorId": "sensor-7", "ts": 1_700_000_000_000, "temperature": 19.25, "humidity": 0.5}
    serialize = AvroSerializer(fresh_client(), json.dumps(READING_V2))
    data = serialize(record, ctx)
    magic, framed_id = struct.unpack(">bI", data[:5])
    assert (magic, framed_id) == (0, id2), (magic, framed_id)
    decoded = AvroDeserializer(fresh_client())(data, ctx)
    assert {**decoded, "ts": int(decoded["ts"].timestamp() * 1000)} == record, decoded

    step("Avro serializer without auto-registration (a lookup), and with the latest version")
    looked_up = AvroSerializer(fresh_client(), json.dumps(READING_V1), conf={"auto.register.schemas": False})
    assert struct.unpack(">bI", looked_up({k: record[k] for k in ("sensorId", "ts", "temperature")}, ctx)[:5]) == (0, id1)
    latest_serializer = AvroSerializer(fresh_client(), json.dumps(READING_V2), conf={"auto.register.schemas": False, "use.latest.version": True})
    assert struct.unpack(">bI", latest_serializer(record, ctx)[:5]) == (0, id2)

    step("Avro deserializer with a reader schema: v2 records read as v1")
    as_v1 = AvroDeserializer(fresh_client(), json.dumps(READING_V1))(data, ctx)
    assert sorted(as_v1) == ["sensorId", "temperature", "ts"] and as_v1["temperature"] == 19.25, as_v1

    step("soft delete a version: hidden, but found with deleted=True, and its id still resolves")
    assert client.delete_version(subject, 2) == 2
    reader = fresh_client()
    assert reader.get_versions(subject) == [1]
    assert reader.get_versions(subject, deleted=True) == [1, 2]
    assert reader.get_version(subject, 2, deleted=True).schema_id == id2
    refused(lambda: fresh_client().get_version(subject, 2), 404, 40402)
    assert fresh_client().lookup_schema(subject, avro(READING_V2), deleted=True).version == 2
    refused(lambda: fresh_client().lookup_schema(subject, avro(READING_V2)), 404, 40403)
    assert fresh_client().get_latest_version(subject).version == 1
    assert field_names(fresh_client().get_schema(id2).schema_str)[-1] == "humidity"
    assert AvroDeserializer(fresh_client())(data, ctx)["sensorId"] == "sensor-7"

    step("hard delete the version (permanent=true)")
    refused(lambda: client.delete_version(subject, 1, permanent=True), 404, 40407)
    assert client.delete_version(subject, 2, permanent=True) == 2
    assert fresh_client().get_versions(subject, deleted=True) == [1]

    step("soft then hard delete the subject")
    refused(lambda: client.delete_subject(subject, permanent=True), 404, 40405)
    assert client.delete_subject(subject) == [1]
    reader = fresh_client()
    assert subject not in reader.get_subjects()
    assert subject in reader.get_subjects(deleted=True)
    refused(lambda: fresh_client().get_latest_version(subject), 404, 40401)
    refused(lambda: client.delete_subject(subject), 404, 40404)
    assert client.delete_subject(subject, permanent=True) == [1]
    assert subject not in fresh_client().get_subjects(deleted=True)
    refused(lambda: fresh_client().get_versions(subject, deleted=True), 404, 40401)

    step("a second subject left registered, for the test to check against the registry")
    kept = f"py-{SUFFIX}.kept-value"
    kept_id = client.register_schema(kept, avro(READING_V2))
    if "new-id-after-purge" not in DEVIATIONS:
        assert kept_id == id2, (kept_id, id2)  # the same schema has the same id in every subject

    print(json.dumps({"ids": [id1, id2], "kept": {"subject": kept, "id": kept_id}}))


if __name__ == "__main__":
    try:
        main()
    except Exception:  # noqa: BLE001 - any failure names the step and exits 1
        print(f"FAILED at step: {step_name}", file=sys.stderr)
        traceback.print_exc()
        sys.exit(1)
