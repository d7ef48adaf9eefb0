"""The screens of the USSD menu, a module for each entry of the main menu, and the menu they make."""
from gateway.ussd.engine import Engine
from gateway.ussd.screens.alerts import Subscribe
from gateway.ussd.screens.info import Info
from gateway.ussd.screens.language import Language
from gateway.ussd.screens.main import Main
from gateway.ussd.screens.requirements import ServiceDetail
from gateway.ussd.screens.requirements import Services
from gateway.ussd.screens.status import Status
from gateway.ussd.screens.status import StatusAsk
from gateway.ussd.screens.suggestions import Feedback
from gateway.ussd.screens.suggestions import FeedbackText

MENU = Engine(Main(), Services(), ServiceDetail(), StatusAsk(), Status(), Subscribe(), Feedback(), FeedbackText(),
              Info(), Language())
