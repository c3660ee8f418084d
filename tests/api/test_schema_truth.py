"""The schema documents what the views answer (issue 13 found it lying): a paginated agreement list, bare lists
for the placement events and the match-run accept, and HR's reduced student form beside the school's."""

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def response_schema(schema: dict, path: str, method: str, status: str = "200") -> dict:
    content = schema["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    return resolve(schema, content)


def resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def test_the_agreement_list_is_documented_as_a_page(schema):
    page = response_schema(schema, "/api/v1/agreements/", "get")
    assert page["type"] == "object"
    assert set(page["properties"]) == {"count", "next", "previous", "results"}
    assert page["properties"]["results"]["type"] == "array"
    parameters = {p["name"] for p in schema["paths"]["/api/v1/agreements/"]["get"]["parameters"]}
    assert {"page", "page_size", "placement"} <= parameters


@pytest.mark.parametrize(
    ("path", "method"),
    [("/api/v1/placements/{id}/events/", "get"), ("/api/v1/match-runs/{id}/accept/", "post")],
)
def test_bare_list_endpoints_are_documented_as_arrays_without_page_parameters(schema, path, method):
    assert response_schema(schema, path, method)["type"] == "array"
    parameters = {p["name"] for p in schema["paths"][path][method].get("parameters", [])}
    assert not parameters & {"page", "page_size", "ordering", "search"}


def test_the_student_answers_are_the_school_s_or_the_company_s_form(schema):
    one = response_schema(schema, "/api/v1/students/{id}/", "get")
    forms = {resolve(schema, s).get("title") or s["$ref"].rsplit("/", 1)[1] for s in one["oneOf"]}
    assert forms == {"Student", "StudentMinimal"}
    page = response_schema(schema, "/api/v1/students/", "get")
    assert set(resolve(schema, page["properties"]["results"]["items"])["oneOf"][0]) == {"$ref"}
    # writing is the school's form only
    create = schema["paths"]["/api/v1/students/"]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ]
    assert create["$ref"].endswith("/StudentRequest")
