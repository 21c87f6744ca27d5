"""What `make demo` prints and where it serves."""


def test_the_demo_prints_the_port_it_serves_on(monkeypatch):
    from jishi.demo.management.commands.load_demo import Command

    monkeypatch.setenv("PORT", "8001")
    assert Command().create_parser("manage.py", "load_demo").parse_args([]).base_url == "http://127.0.0.1:8001"
