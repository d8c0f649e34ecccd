"""Pages open in Chinese whatever the browser asks; the switch (a cookie) decides; the API honours
Accept-Language; answers are compressed."""

from __future__ import annotations


def test_pages_are_chinese_first_whatever_the_browser_says(client, reference):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page.status_code == 200
    assert '<html lang="zh-hans"' in page.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en"' in client.get("/").content.decode()


def test_the_api_honours_accept_language(client, reference):
    body = client.get("/api/v1/countries", {"q": "LA"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["results"][0]["name"] == "Laos"


def test_answers_are_gzipped(client, reference):
    response = client.get("/missions/", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
