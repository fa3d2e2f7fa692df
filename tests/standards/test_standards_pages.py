def test_the_standards_list_is_public_and_lists_all_four(client, standards_loaded):
    response = client.get("/standards/")
    assert response.status_code == 200
    html = response.content.decode()
    for code in ["CSS", "CCSM", "CSMG", "CSPSP"]:
        assert f'data-testid="standard-{code}"' in html
    assert "Customer Support Specialist" in html


def test_a_standard_page_shows_domains_weights_competencies_and_levels(client, standards_loaded):
    html = client.get("/standards/CSMG/").content.decode()
    assert "Customer service support" in html
    assert 'data-testid="level-6"' in html
    assert "Следовать" in html and "Follow" in html
    assert "CSMG-INCIDENT" in html
    css = client.get("/standards/CSS/").content.decode()
    assert "Professionalism" in css and "30%" in css and "40%" in css


def test_the_policies_page_shows_behaviour_statements_and_interview_questions(client, standards_loaded):
    html = client.get("/standards/CSPSP/").content.decode()
    assert "Leads in developing policies and standards for customer support." in html
    assert "Interview questions" in html


def test_an_unknown_standard_is_404(client, standards_loaded):
    assert client.get("/standards/NOPE/").status_code == 404


def test_a_standard_page_costs_a_fixed_number_of_queries(client, standards_loaded, django_assert_num_queries):
    with django_assert_num_queries(6):
        client.get("/standards/CSPSP/")
    with django_assert_num_queries(1):
        client.get("/standards/")
