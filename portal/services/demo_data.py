"""Reference data for the demo: the article's figures and names, plus plain templates for the text fields."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# A copy of ../shared/seed/figures.json (a test checks they stay equal when the original is present).
FIGURES: dict[str, Any] = json.loads((Path(__file__).with_name("demo_figures.json")).read_text(encoding="utf-8"))

# (code, name, number of grids) — the six communities of the article.
COMMUNITIES = (
    ("zhengjiatai", "郑家台社区", 6),
    ("zhanjiaguaizi", "詹家拐子社区", 5),
    ("wangjiazhuang", "王家庄社区", 4),
    ("yuzhongjie", "榆中街社区", 4),
    ("gengjiazhuang", "耿家庄社区", 6),
    ("zhoujiazhuang", "周家庄社区", 3),
)
NUMERALS = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"]

# (code, name as in figures.json, English name, SLA days) — SLA days are demo settings, editable by admins.
CATEGORIES = (
    ("consultation", "我要咨询", "Consultation", 3),
    ("suggestion", "我要建议", "Suggestion", 7),
    ("hardship", "民生困难", "Livelihood hardship", 7),
    ("sanitation", "环境卫生", "Environmental sanitation", 3),
    ("dispute", "矛盾纠纷", "Dispute", 15),
    ("hazard", "安全隐患", "Safety hazard", 2),
)

# Annual targets of the demo (the article gives counts, not targets; an office sets its own).
DEMO_TARGETS = {"emergency_drill": 4, "joint_rescue_drill": 10, "safety_training": 12, "publicity": 20}

# Cases still open in the demo (illustrative, not from the article).
OPEN_WORKLOAD = 36

DISPLAY_NAMES = {
    "leader": "李主任",
    "staff": "张敏（综治中心）",
    "grid": "王磊（郑家台一网格）",
    "admin": "系统管理员",
    "leader.zjt": "赵书记（郑家台社区）",
}

SURNAMES = list("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗")

DESCRIPTIONS: dict[str, list[str]] = {
    "我要咨询": [
        "咨询廉租房申请所需材料",
        "咨询老年人高龄补贴办理流程",
        "咨询居住证办理地点和时间",
        "咨询医保缴费方式",
    ],
    "我要建议": ["建议小区增设电动车充电桩", "建议在路口增设减速带", "建议社区开设老年人智能手机课堂"],
    "民生困难": ["独居老人生活困难，申请临时救助", "家庭因病致困，咨询低保申请", "残疾人家庭申请无障碍改造"],
    "环境卫生": [
        "小区垃圾清运不及时，商户与居民因垃圾堆放产生矛盾",
        "楼道堆放杂物，影响通行",
        "下水道堵塞，污水外溢",
        "背街小巷卫生死角长期无人清理",
        "沿街商户占道经营，油污污染路面",
    ],
    "矛盾纠纷": [
        "楼上漏水导致楼下墙面受损，双方协商未果",
        "物业费收取标准引发居民不满",
        "邻里因噪音问题发生争执",
        "租赁合同押金退还纠纷",
    ],
    "安全隐患": ["楼道私拉电线给电动车充电", "老旧小区燃气管道锈蚀", "消防通道被车辆占用", "废弃广告牌松动有坠落风险"],
}
RESOLUTIONS: dict[str, list[str]] = {
    "我要咨询": ["已电话答复并告知办理材料和地点", "已上门讲解政策"],
    "我要建议": ["建议已转交相关部门研究采纳", "已纳入社区年度工作计划"],
    "民生困难": ["已协助申请临时救助并发放", "已上门走访并链接帮扶资源"],
    "环境卫生": ["已协调环卫部门清运完毕", "已组织网格员和物业清理", "已疏通管道，恢复正常"],
    "矛盾纠纷": ["经背靠背调解，双方达成一致", "经电话调解，双方签订协议", "经圆桌议事会协商解决"],
    "安全隐患": ["已拆除私拉电线并开展宣传", "已联系燃气公司更换管道", "已清理消防通道并设置警示"],
}
LOCATIONS = [
    "皋兰路街道办事处会议室",
    "郑家台社区协商议事厅",
    "榆中街社区广场",
    "辖区企业厂区",
    "皋兰路小学操场",
    "耿家庄社区活动中心",
]
PARTNERS = ["城关区消防救援大队", "皋兰路派出所", "辖区物业公司", "城关区应急管理局", "辖区医院急救站"]
VENUES = ["进企业", "进农村", "进社区", "进学校", "进家庭"]


def activity_title(kind: str, index: int) -> tuple[str, str | None]:
    """A title for the index-th activity of a kind, and its partner units (joint drills only)."""
    if kind == "emergency_drill":
        return (["燃气泄漏应急疏散演练", "地震应急避险演练"][index % 2], None)
    if kind == "joint_rescue_drill":
        scenario = ["高层住宅火灾", "电梯困人", "危化品泄漏", "防汛抢险"][index % 4]
        return (f"{scenario}联合应急救援演练", "、".join(PARTNERS[index % 3 : index % 3 + 3]))
    if kind == "safety_training":
        return (f"安全生产知识集中培训（第{index + 1}期）", None)
    return (f"安全生产“五进”宣传·{VENUES[index % 5]}", None)
