"""The app starts in the offscreen window and shows the home screen."""


def test_ui_home_screen_is_shown(harness):
    assert harness.app.root.current == "home"
    home = harness.screen("home")
    assert home.ids.title.text == "向人大代表反映"
